//! The gRPC codec of every plemu service: prost, with buffers sized for many small streams.
//!
//! tonic allocates an encode and a decode buffer per RPC when it starts, 8 KiB each by default.
//! Every tunnel flow is one RPC, so an idle flow held four of them (the consumer's and the
//! provider's, each way): 32 of its 44.6 KiB. These buffers start small instead and grow with
//! the message being read or written, so a bulk flow still moves 64 KiB `data` frames whole.

use std::marker::PhantomData;

use tonic::codec::{BufferSettings, Codec};
use tonic_prost::{ProstDecoder, ProstEncoder};

/// Initial size of an RPC's encode and decode buffers, in bytes.
pub const BUFFER_SIZE: usize = 512;

/// Encoded bytes a stream gathers from messages that are ready before handing them to HTTP/2
/// (tonic's default).
pub const YIELD_THRESHOLD: usize = 32 * 1024;

/// prost encoding and decoding with [`BUFFER_SIZE`] buffers.
#[derive(Debug, Clone)]
pub struct SmallBufferCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for SmallBufferCodec<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

fn settings() -> BufferSettings {
    BufferSettings::new(BUFFER_SIZE, YIELD_THRESHOLD)
}

impl<T, U> Codec for SmallBufferCodec<T, U>
where
    T: prost::Message + Send + 'static,
    U: prost::Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ProstDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstEncoder::new(settings())
    }

    fn decoder(&mut self) -> Self::Decoder {
        ProstDecoder::new(settings())
    }
}
