//! Decoding parameter values into the API's structures.

use super::{attribute_boolean, filter, flag, strings, structs, tag_specification};

fn raw(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn a_single_value_is_a_list_of_one() {
    let f = structs("--filters", &raw(&["Name=a,Values=x"]), filter).unwrap();
    assert_eq!(f[0].values, ["x"]);
    let t = structs(
        "--tag-specifications",
        &raw(&["ResourceType=vpc,Tags={Key=k,Value=v}"]),
        tag_specification,
    )
    .unwrap();
    assert_eq!(t[0].tags[0].key, "k");
}

#[test]
fn json_objects_and_lists_mix_with_shorthand() {
    let f = structs(
        "--filters",
        &raw(&[
            r#"{"Name":"a","Values":["x","y"]}"#,
            "Name=b,Values=z",
            r#"[{"Name":"c"}]"#,
        ]),
        filter,
    )
    .unwrap();
    let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(f[0].values, ["x", "y"]);
}

#[test]
fn decoding_errors_name_the_parameter_key_and_text() {
    let e = structs("--filters", &raw(&["Name=a,Name=b"]), filter).unwrap_err();
    assert_eq!(
        e.to_string(),
        "plemu: error: argument --filters: Name is given twice in \"Name=a,Name=b\""
    );
    let e = structs("--filters", &raw(&["Name=[a,b]"]), filter).unwrap_err();
    assert_eq!(
        e.to_string(),
        "plemu: error: argument --filters: Name takes a single value in \"Name=[a,b]\""
    );
    let e = structs("--filters", &raw(&["Name=a,Values=[{X=1}]"]), filter).unwrap_err();
    assert_eq!(
        e.to_string(),
        "plemu: error: argument --filters: Values takes a list of values in \"Name=a,Values=[{X=1}]\""
    );
    let e = structs("--filters", &raw(&["[1,2]"]), filter).unwrap_err();
    assert!(
        e.to_string().contains("expected a structure (Key=Value,…)"),
        "{e}"
    );
    let e = structs(
        "--tag-specifications",
        &raw(&["Tags=[{Key=k,Val=v}]"]),
        tag_specification,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("Tags: unknown key \"Val\", must be one of: Key, Value"),
        "{e}"
    );
    let e = structs("--filters", &raw(&[r#"{"Name": }"#]), filter).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("plemu: error: argument --filters: invalid JSON: "),
        "{e}"
    );
}

#[test]
fn string_lists_accept_a_json_list() {
    assert_eq!(
        strings("--subnet-ids", raw(&["a", r#"["b","c"]"#])).unwrap(),
        ["a", "b", "c"]
    );
    let e = strings("--subnet-ids", raw(&[r#"[{"x":1}]"#])).unwrap_err();
    assert!(e.to_string().contains("expected a list of strings"), "{e}");
}

#[test]
fn booleans() {
    assert_eq!(flag(false, false), None);
    assert_eq!(flag(true, false), Some(true));
    assert_eq!(flag(false, true), Some(false));
    assert!(attribute_boolean("--x", "True").unwrap());
    assert!(!attribute_boolean("--x", "{\"Value\":false}").unwrap());
}
