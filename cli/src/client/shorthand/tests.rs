//! Cases for the shorthand and JSON parser.

use super::{Value, parse};

fn s(v: &str) -> Value {
    Value::Scalar(v.to_string())
}

fn st(members: &[(&str, Value)]) -> Value {
    Value::Struct(
        members
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn flat_structure() {
    assert_eq!(
        parse("Id=127.0.0.1,Port=6379").unwrap(),
        st(&[("Id", s("127.0.0.1")), ("Port", s("6379"))])
    );
    assert_eq!(
        parse("Id=10.0.1.10").unwrap(),
        st(&[("Id", s("10.0.1.10"))])
    );
}

#[test]
fn values_with_colons_slashes_and_equals() {
    let arn =
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/redis/0123456789abcdef";
    assert_eq!(
        parse(&format!("Type=forward,TargetGroupArn={arn}")).unwrap(),
        st(&[("Type", s("forward")), ("TargetGroupArn", s(arn))])
    );
    assert_eq!(parse("Value=a=b").unwrap(), st(&[("Value", s("a=b"))]));
    assert_eq!(parse("Value=").unwrap(), st(&[("Value", s(""))]));
}

#[test]
fn comma_separated_values_run_until_the_next_key() {
    assert_eq!(
        parse("Name=vpc-id,Values=vpc-1,vpc-2").unwrap(),
        st(&[
            ("Name", s("vpc-id")),
            ("Values", Value::List(vec![s("vpc-1"), s("vpc-2")]))
        ])
    );
    assert_eq!(
        parse("Values=a,b,Name=x").unwrap(),
        st(&[
            ("Values", Value::List(vec![s("a"), s("b")])),
            ("Name", s("x"))
        ])
    );
}

#[test]
fn bracketed_lists_and_nested_structures() {
    assert_eq!(
        parse("Name=state,Values=[available,pending]").unwrap(),
        st(&[
            ("Name", s("state")),
            ("Values", Value::List(vec![s("available"), s("pending")]))
        ])
    );
    assert_eq!(
        parse("IpProtocol=tcp,FromPort=6379,ToPort=6379,IpRanges=[{CidrIp=10.1.0.0/16},{CidrIp=10.2.0.0/16,Description=b}]")
            .unwrap(),
        st(&[
            ("IpProtocol", s("tcp")),
            ("FromPort", s("6379")),
            ("ToPort", s("6379")),
            (
                "IpRanges",
                Value::List(vec![
                    st(&[("CidrIp", s("10.1.0.0/16"))]),
                    st(&[("CidrIp", s("10.2.0.0/16")), ("Description", s("b"))]),
                ])
            ),
        ])
    );
    assert_eq!(
        parse("ForwardConfig={TargetGroups=[{TargetGroupArn=a,Weight=1}]}").unwrap(),
        st(&[(
            "ForwardConfig",
            st(&[(
                "TargetGroups",
                Value::List(vec![st(&[("TargetGroupArn", s("a")), ("Weight", s("1"))])])
            )])
        )])
    );
    assert_eq!(
        parse("Tags=[],Empty={}").unwrap(),
        st(&[("Tags", Value::List(vec![])), ("Empty", st(&[]))])
    );
}

#[test]
fn quotes_and_spaces() {
    assert_eq!(
        parse(r#"Key=Name,Value="a, b=c""#).unwrap(),
        st(&[("Key", s("Name")), ("Value", s("a, b=c"))])
    );
    assert_eq!(
        parse(r"Value='it\'s'").unwrap(),
        st(&[("Value", s("it's"))])
    );
    assert_eq!(
        parse(" Key = k , Value = v w ").unwrap(),
        st(&[("Key", s("k")), ("Value", s("v w"))])
    );
}

#[test]
fn json_is_accepted_instead() {
    assert_eq!(
        parse(r#"{"Value": true}"#).unwrap(),
        st(&[("Value", s("true"))])
    );
    assert_eq!(
        parse(r#"[{"Id":"10.0.1.10","Port":6379,"AvailabilityZone":null}]"#).unwrap(),
        Value::List(vec![st(&[("Id", s("10.0.1.10")), ("Port", s("6379"))])])
    );
}

#[test]
fn errors_say_what_and_where() {
    let e = parse("Id").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected '=' after \"Id\" but found end of input (at column 3)"
    );
    let e = parse("Id=a,").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected a key but found end of input (at column 6)"
    );
    let e = parse("IpRanges=[{CidrIp=x}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected ',' or ']' but found end of input (at column 21)"
    );
    let e = parse("A={B=1,}").unwrap_err();
    assert_eq!(e.to_string(), "expected a key but found '}' (at column 8)");
    let e = parse("A=\"open").unwrap_err();
    assert_eq!(e.to_string(), "unterminated quote \" (at column 3)");
    let e = parse("=x").unwrap_err();
    assert_eq!(e.position, 0);
    let e = parse(r#"{"Value": tru}"#).unwrap_err();
    assert_eq!(e.to_string(), "invalid JSON: expected ident (at column 14)");
}
