//! The AWS CLI's shorthand syntax (`Key=Value,Key2=[a,b]`) and its JSON alternative, parsed into one tree.
//!
//! Grammar, as the AWS CLI reads it:
//! - a structure is `Key=Value` pairs separated by `,`;
//! - a value is a scalar, a quoted scalar (`"…"` or `'…'`, with `\` escapes), a list
//!   `[a,b]`, or a structure `{A=1,B=2}`;
//! - after `Key=`, several comma-separated scalars (`Values=a,b`) form a list, up to
//!   the next `Key=`;
//! - text that starts with `{` or `[` is JSON instead.

use std::fmt;

/// A parsed parameter value: what both shorthand and JSON reduce to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string, number or boolean, as written.
    Scalar(String),
    /// `[a,b]`, `Key=a,b`, or a JSON array.
    List(Vec<Value>),
    /// `Key=Value,…`, `{Key=Value}`, or a JSON object, members in the order written.
    Struct(Vec<(String, Value)>),
}

impl Value {
    /// A list's items; any other value is a list of one, as the AWS CLI reads a lone value.
    pub fn into_items(self) -> Vec<Value> {
        match self {
            Value::List(items) => items,
            v => vec![v],
        }
    }
}

/// Why a parameter's text could not be parsed.
#[derive(Debug, PartialEq, Eq)]
pub struct ShorthandError {
    /// What was expected and what was found.
    pub message: String,
    /// Character offset in the input where parsing stopped.
    pub position: usize,
}

impl fmt::Display for ShorthandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.position + 1)
    }
}

/// Parses one command-line value: JSON when it starts with `{` or `[`, shorthand otherwise.
///
/// # Errors
/// When the text is neither valid JSON nor valid shorthand.
pub fn parse(input: &str) -> Result<Value, ShorthandError> {
    let trimmed = input.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return parse_json(input);
    }
    let mut p = Parser {
        chars: input.chars().collect(),
        pos: 0,
        depth: 0,
    };
    let members = p.struct_body(None)?;
    Ok(Value::Struct(members))
}

/// Parses JSON text into a [`Value`]; `null` members are left out, numbers and
/// booleans become scalars as written.
///
/// # Errors
/// When the text is not valid JSON.
pub fn parse_json(input: &str) -> Result<Value, ShorthandError> {
    let json: serde_json::Value = serde_json::from_str(input).map_err(|e| {
        // serde_json ends its message with the place, which the error reports as a column.
        let text = e.to_string();
        let place = format!(" at line {} column {}", e.line(), e.column());
        ShorthandError {
            message: format!(
                "invalid JSON: {}",
                text.strip_suffix(&place).unwrap_or(&text)
            ),
            position: json_offset(input, e.line(), e.column()),
        }
    })?;
    Ok(from_json(json))
}

/// Converts a JSON value into a [`Value`].
fn from_json(json: serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Scalar(String::new()),
        serde_json::Value::Bool(b) => Value::Scalar(b.to_string()),
        serde_json::Value::Number(n) => Value::Scalar(n.to_string()),
        serde_json::Value::String(s) => Value::Scalar(s),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Struct(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, from_json(v)))
                .collect(),
        ),
    }
}

/// Character offset of serde_json's 1-based line and column.
fn json_offset(input: &str, line: usize, column: usize) -> usize {
    let before: usize = input
        .split('\n')
        .take(line.saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum();
    before + column.saturating_sub(1)
}

// === impl Parser ===

/// A recursive-descent reader over the input's characters.
struct Parser {
    chars: Vec<char>,
    /// Index of the next character to read.
    pos: usize,
    /// How many `[` or `{` enclose the current position; inside them `]` and `}` end a scalar.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// The index of the first non-whitespace character from `at` on.
    fn after_ws(&self, mut at: usize) -> usize {
        while self.chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        at
    }

    fn skip_ws(&mut self) {
        self.pos = self.after_ws(self.pos);
    }

    fn error(&self, expected: &str) -> ShorthandError {
        let found = match self.peek() {
            Some(c) => format!("'{c}'"),
            None => "end of input".to_string(),
        };
        ShorthandError {
            message: format!("expected {expected} but found {found}"),
            position: self.pos,
        }
    }

    fn is_key_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | '#')
    }

    /// Whether a `Key=` starts at `at` (spaces allowed around the key).
    fn key_starts_at(&self, at: usize) -> bool {
        let start = self.after_ws(at);
        let mut end = start;
        while self.chars.get(end).is_some_and(|&c| Self::is_key_char(c)) {
            end += 1;
        }
        end > start && self.chars.get(self.after_ws(end)) == Some(&'=')
    }

    /// `Key=Value(,Key=Value)*`, up to `end` (not consumed) or the end of input.
    fn struct_body(&mut self, end: Option<char>) -> Result<Vec<(String, Value)>, ShorthandError> {
        let mut members = Vec::new();
        loop {
            self.skip_ws();
            if end.is_some() && self.peek() == end && members.is_empty() {
                return Ok(members);
            }
            let start = self.pos;
            while self.peek().is_some_and(Self::is_key_char) {
                self.pos += 1;
            }
            if self.pos == start {
                return Err(self.error("a key"));
            }
            let key: String = self.chars[start..self.pos].iter().collect();
            self.skip_ws();
            if self.peek() != Some('=') {
                return Err(self.error(&format!("'=' after \"{key}\"")));
            }
            self.pos += 1;
            let value = self.member_value()?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                c if c == end => return Ok(members),
                _ => {
                    return Err(self.error(match end {
                        Some('}') => "',' or '}'",
                        _ => "','",
                    }));
                }
            }
        }
    }

    /// The value after `Key=`: a nested value, or scalars that run on as a list until the next `Key=`.
    fn member_value(&mut self) -> Result<Value, ShorthandError> {
        self.skip_ws();
        if matches!(self.peek(), Some('[' | '{')) {
            return self.nested();
        }
        let first = self.scalar()?;
        let mut items = Vec::new();
        loop {
            let at = self.after_ws(self.pos);
            if self.chars.get(at) != Some(&',') || self.key_starts_at(at + 1) {
                break;
            }
            let next = self.after_ws(at + 1);
            // `Key=a,` and `{Key=a,}`: the structure reports the missing key.
            if matches!(self.chars.get(next), None | Some(']' | '}')) {
                break;
            }
            self.pos = at + 1;
            items.push(self.scalar()?);
        }
        if items.is_empty() {
            Ok(first)
        } else {
            items.insert(0, first);
            Ok(Value::List(items))
        }
    }

    /// `[…]` or `{…}`, with the opening bracket next.
    fn nested(&mut self) -> Result<Value, ShorthandError> {
        let open = self.peek();
        self.pos += 1;
        self.depth += 1;
        let value = if open == Some('{') {
            let members = self.struct_body(Some('}'))?;
            self.pos += 1;
            Value::Struct(members)
        } else {
            self.list_body()?
        };
        self.depth -= 1;
        Ok(value)
    }

    /// The items of a list after its `[`, through its `]`.
    fn list_body(&mut self) -> Result<Value, ShorthandError> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(Value::List(items));
        }
        loop {
            self.skip_ws();
            let item = if matches!(self.peek(), Some('[' | '{')) {
                self.nested()?
            } else {
                self.scalar()?
            };
            items.push(item);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.error("',' or ']'")),
            }
        }
    }

    /// A quoted or bare scalar; a bare one ends at `,` (and at `]` or `}` when nested).
    fn scalar(&mut self) -> Result<Value, ShorthandError> {
        self.skip_ws();
        if let Some(q @ ('"' | '\'')) = self.peek() {
            return self.quoted(q);
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            let ends = c == ',' || (self.depth > 0 && (c == ']' || c == '}'));
            if ends {
                break;
            }
            if matches!(c, '[' | '{') && self.pos == start {
                return Err(self.error("a value"));
            }
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        Ok(Value::Scalar(text.trim_end().to_string()))
    }

    /// A string in `q` quotes; `\` escapes the next character.
    fn quoted(&mut self, q: char) -> Result<Value, ShorthandError> {
        let open = self.pos;
        self.pos += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ShorthandError {
                        message: format!("unterminated quote {q}"),
                        position: open,
                    });
                }
                Some('\\') if self.chars.get(self.pos + 1).is_some() => {
                    text.push(self.chars[self.pos + 1]);
                    self.pos += 2;
                }
                Some(c) if c == q => {
                    self.pos += 1;
                    return Ok(Value::Scalar(text));
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
