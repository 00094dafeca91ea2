//! A response value as a tree, by serde: the gRPC response types serialise into a [`Node`],
//! which `xml` writes in each protocol's XML. Structures keep their type's name, which picks
//! EC2's element names.

use serde::ser::{self, Serialize};

use super::names;
use crate::error::ApiError;

/// A response value, by serde.
#[derive(Debug, PartialEq)]
pub(crate) enum Node {
    /// An unset optional member: not written.
    Absent,
    /// A string, number or boolean.
    Text(String),
    /// A list.
    List(Vec<Node>),
    /// A structure: its type's name and its members in declaration order.
    Struct {
        /// The type's name, which picks EC2's element names.
        shape: &'static str,
        /// Members by AWS name.
        members: Vec<(&'static str, Node)>,
    },
}

impl Node {
    /// The tree of a response.
    ///
    /// # Errors
    /// `InternalError` when the value has a form no response type has (a map, bytes).
    pub(crate) fn of(value: &impl Serialize) -> Result<Self, ApiError> {
        value
            .serialize(NodeSerializer)
            .map_err(|e| ApiError::Internal(format!("cannot encode the response: {e}")))
    }
}

// === impl NodeSerializer ===

/// Serialises a response value into a [`Node`].
struct NodeSerializer;

/// A form no response type has.
#[derive(Debug)]
struct Unsupported(String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

fn unsupported(what: &str) -> Result<Node, Unsupported> {
    Err(Unsupported(format!("{what} in a response")))
}

macro_rules! text {
    ($($method:ident($t:ty);)*) => {$(
        fn $method(self, v: $t) -> Result<Node, Unsupported> {
            Ok(Node::Text(v.to_string()))
        }
    )*};
}

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = Unsupported;
    type SerializeSeq = ListSerializer;
    type SerializeTuple = ser::Impossible<Node, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<Node, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<Node, Unsupported>;
    type SerializeMap = ser::Impossible<Node, Unsupported>;
    type SerializeStruct = StructSerializer;
    type SerializeStructVariant = ser::Impossible<Node, Unsupported>;

    text! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<Node, Unsupported> {
        unsupported("bytes")
    }

    fn serialize_none(self) -> Result<Node, Unsupported> {
        Ok(Node::Absent)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Node, Unsupported> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Node, Unsupported> {
        Ok(Node::Absent)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Node, Unsupported> {
        Ok(Node::Absent)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Node, Unsupported> {
        Ok(Node::Text(variant.to_string()))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Node, Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Node, Unsupported> {
        unsupported("an enum with data")
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<ListSerializer, Unsupported> {
        Ok(ListSerializer(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported("a tuple in a response".into()))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported("a tuple in a response".into()))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported("an enum with data in a response".into()))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported("a map in a response".into()))
    }

    fn serialize_struct(
        self,
        shape: &'static str,
        len: usize,
    ) -> Result<StructSerializer, Unsupported> {
        Ok(StructSerializer {
            shape,
            members: Vec::with_capacity(len),
        })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported("an enum with data in a response".into()))
    }
}

/// The elements of a list.
struct ListSerializer(Vec<Node>);

impl ser::SerializeSeq for ListSerializer {
    type Ok = Node;
    type Error = Unsupported;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.0.push(value.serialize(NodeSerializer)?);
        Ok(())
    }

    fn end(self) -> Result<Node, Unsupported> {
        Ok(Node::List(self.0))
    }
}

/// The members of a structure.
struct StructSerializer {
    shape: &'static str,
    members: Vec<(&'static str, Node)>,
}

impl ser::SerializeStruct for StructSerializer {
    type Ok = Node;
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let node = value.serialize(NodeSerializer)?;
        if node != Node::Absent {
            self.members.push((key, node));
        }
        Ok(())
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), Unsupported> {
        if names::listed_when_empty(self.shape, key) {
            self.members.push((key, Node::List(Vec::new())));
        }
        Ok(())
    }

    fn end(self) -> Result<Node, Unsupported> {
        Ok(Node::Struct {
            shape: self.shape,
            members: self.members,
        })
    }
}
