//! The README's walkthrough, run as written against a real `plemu up` and a
//! real `redis-server`, and the CLI's error forms.

use std::process::Command;

use plemu_testkit::{Plemu, PlemuOptions, PythonClients, RedisServer, trace_init};

const PLEMU: &str = env!("CARGO_BIN_EXE_plemu");

/// The first two shell blocks under the "Five minutes" heading of README.md: the walkthrough,
/// then taking it apart.
/// The Redis of the walkthrough's first line, with its flags as written (a test of its own
/// port and directory, in the foreground): a flag the NLB's connections need must be there.
fn readme_redis() -> RedisServer {
    let walkthrough = walkthrough();
    let line = walkthrough
        .lines()
        .find(|l| l.starts_with("redis-server "))
        .expect("the walkthrough starts a redis-server");
    let words: Vec<&str> = line
        .split('#')
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|w| if w == "''" { "" } else { w })
        .collect();
    let mut args = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        if w == "--port" || w == "--daemonize" {
            words.next();
        } else {
            args.push(w);
        }
    }
    RedisServer::start_with(&args).unwrap()
}

fn walkthrough() -> String {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Five minutes")
        .nth(1)
        .expect("README has a 'Five minutes' section");
    let block = |n: usize| {
        section
            .split("```sh\n")
            .nth(n)
            .expect("the section has two sh blocks")
            .split("```")
            .next()
            .expect("the block ends")
            .to_string()
    };
    block(1) + &block(2)
}

/// What the walkthrough prints: both states, Redis's `OK` and the value read back from the
/// target, then no VPC left once it is taken apart.
fn assert_walked_through(stdout: &str) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.contains(&"pendingAcceptance"), "{stdout}");
    assert!(lines.contains(&"available"), "{stdout}");
    assert!(
        lines.contains(&"OK"),
        "SET through the endpoint did not answer OK:\n{stdout}"
    );
    assert!(lines.contains(&"hello through privatelink"), "{stdout}");
    assert_eq!(lines.last().copied(), Some("0"), "VPCs left:\n{stdout}");
}

#[test]
fn the_readme_walkthrough_works_as_written() {
    trace_init();
    for tool in ["jq", "dig", "redis-cli"] {
        assert!(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .unwrap()
                .status
                .success(),
            "{tool} is not installed (scripts/test.sh installs it)"
        );
    }
    let redis = readme_redis();
    let plemu = Plemu::start(PlemuOptions::default()).unwrap();
    // The walkthrough as written, but for the ports this test got: its own Redis, plemu's DNS port.
    let script = walkthrough()
        .lines()
        .filter(|l| !l.starts_with("redis-server "))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("6380", &redis.port().to_string())
        .replace("-p 1053", &format!("-p {}", plemu.dns.port()));
    let bin_dir = std::path::Path::new(PLEMU).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-c", &format!("set -euo pipefail\n{script}")])
        .env("PATH", path)
        .env("PLEMU_ENDPOINT_URL", plemu.api_url())
        .env("PLEMU_DNS", plemu.dns.to_string())
        .env_remove("PLEMU_ACCOUNT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert_walked_through(&stdout);
    assert!(
        stdout.contains(".vpce.amazonaws.com."),
        "dig showed no CNAME to the regional name:\n{stdout}"
    );
}

/// The walkthrough with AWS's own CLI: `aws --endpoint-url URL` for `plemu`, the account as the
/// access key id for `PLEMU_ACCOUNT`, nothing else changed (`plemu resolve` asks plemu's DNS).
#[test]
fn the_readme_walkthrough_works_with_the_aws_cli() {
    trace_init();
    let Some(clients) = PythonClients::require() else {
        return;
    };
    let redis = readme_redis();
    let plemu = Plemu::start(PlemuOptions::default()).unwrap();
    let aws = format!("aws --endpoint-url {}", plemu.api_url());
    let mut script = String::new();
    for line in walkthrough().lines() {
        if line.starts_with("redis-server ") {
            continue;
        }
        let line = line
            .replace("PLEMU_ACCOUNT=", "AWS_ACCESS_KEY_ID=")
            .replace("plemu ec2 ", &format!("{aws} ec2 "))
            .replace("plemu elbv2 ", &format!("{aws} elbv2 "))
            // plemu's own verbs (no AWS counterpart) still go to this test's plemu.
            .replace(
                "plemu public-dns ",
                &format!("plemu --endpoint-url {} public-dns ", plemu.api_url()),
            )
            .replace("6380", &redis.port().to_string())
            .replace("-p 1053", &format!("-p {}", plemu.dns.port()));
        script.push_str(&line);
        script.push('\n');
    }
    assert!(!script.contains("plemu ec2") && script.matches(&aws).count() > 15);
    let bin_dir = std::path::Path::new(PLEMU).parent().unwrap().to_path_buf();
    let out = clients
        .command("bash", &[bin_dir], "000000000000")
        .args(["-c", &format!("set -euo pipefail\n{script}")])
        .env("PLEMU_DNS", plemu.dns.to_string())
        .env_remove("PLEMU_ACCOUNT")
        .env_remove("PLEMU_ENDPOINT_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough with the aws CLI failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert_walked_through(&stdout);
}

#[test]
fn errors_print_as_the_aws_cli_prints_them() {
    let plemu = Plemu::start(PlemuOptions::default()).unwrap();
    let out = Command::new(PLEMU)
        .args([
            "--endpoint-url",
            &plemu.api_url(),
            "ec2",
            "describe-vpcs",
            "--vpc-ids",
            "vpc-0123456789abcdef0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(254));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "An error occurred (InvalidVpcID.NotFound) when calling the DescribeVpcs operation: "
        ),
        "{stderr}"
    );

    let out = Command::new(PLEMU)
        .args([
            "--endpoint-url",
            &plemu.api_url(),
            "elbv2",
            "register-targets",
            "--target-group-arn",
            "x",
            "--targets",
            "Id=1,Bogus=2",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(252),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = Command::new(PLEMU)
        .args(["ec2", "create-vpc", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));

    let out = Command::new(PLEMU)
        .args([
            "--endpoint-url",
            "http://127.0.0.1:1",
            "ec2",
            "describe-vpcs",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Could not connect to the endpoint URL"));
}
