use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::DecodeError;

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The content of one input, decompressed, with the error that cut it short.
///
/// A truncated or corrupt gzip still yields the bytes decompressed before the
/// damage, so the caller can decode every complete record in them and report
/// `error` as well.
#[derive(Debug, Default)]
pub struct InputRead {
    pub bytes: Vec<u8>,
    pub error: Option<DecodeError>,
}

impl InputRead {
    /// Gunzips `bytes` when they start with the gzip magic bytes, else returns
    /// them unchanged. `origin` names the input in error details.
    ///
    /// Used for files and stdin, and by callers whose messages may be gzipped
    /// by the shipper rather than by Kafka.
    // NOTE: the decompressed size is not capped, so a gzip bomb given as input
    // is expanded in memory. Inputs are operator-chosen files and topics.
    pub fn from_bytes(origin: &str, bytes: Vec<u8>) -> InputRead {
        if !bytes.starts_with(&GZIP_MAGIC) {
            return InputRead { bytes, error: None };
        }

        let mut decoder = MultiGzDecoder::new(bytes.as_slice());
        let mut decompressed = Vec::with_capacity(bytes.len().saturating_mul(8));
        // `read_to_end` keeps the bytes it read before an error, which is what
        // lets a truncated file still be salvaged.
        let error = match decoder.read_to_end(&mut decompressed) {
            Ok(_) => None,
            Err(err) => Some(gzip_error(origin, decompressed.len(), &err)),
        };
        InputRead {
            bytes: decompressed,
            error,
        }
    }
}

fn gzip_error(origin: &str, decompressed_len: usize, err: &io::Error) -> DecodeError {
    if err.kind() == io::ErrorKind::UnexpectedEof {
        DecodeError::new(
            "truncated_gzip",
            format!(
                "{origin}: gzip data ends early after {decompressed_len} decompressed bytes, so the file is truncated; records after that point are lost"
            ),
        )
    } else {
        DecodeError::new(
            "invalid_gzip",
            format!(
                "{origin}: invalid gzip data after {decompressed_len} decompressed bytes: {err}"
            ),
        )
    }
}

/// Reads a file, gunzipping it when it starts with the gzip magic bytes (the
/// file name is not consulted). A file that cannot be read returns no bytes and
/// an `unreadable_file` error.
pub fn read_input(path: &Path) -> InputRead {
    let origin = path.display().to_string();
    match read_all(File::open(path)) {
        Ok(bytes) => InputRead::from_bytes(&origin, bytes),
        Err(err) => unreadable(&origin, &err),
    }
}

/// Reads standard input to its end, gunzipping it like [`read_input`]. Its
/// origin in error details is `-`.
pub fn read_stdin() -> InputRead {
    let mut bytes = Vec::new();
    match io::stdin().lock().read_to_end(&mut bytes) {
        Ok(_) => InputRead::from_bytes("-", bytes),
        Err(err) => unreadable("-", &err),
    }
}

fn read_all(file: io::Result<File>) -> io::Result<Vec<u8>> {
    let mut file = file?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn unreadable(origin: &str, err: &io::Error) -> InputRead {
    InputRead {
        bytes: Vec::new(),
        error: Some(DecodeError::new(
            "unreadable_file",
            format!("failed to read {origin}: {err}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).expect("write to memory");
        encoder.finish().expect("finish gzip")
    }

    #[test]
    fn plain_bytes_pass_through() {
        let read = InputRead::from_bytes("x", b"{\"a\":1}".to_vec());
        assert_eq!(read.bytes, b"{\"a\":1}");
        assert!(read.error.is_none());
    }

    #[test]
    fn gzip_is_recognised_by_magic_bytes() {
        let read = InputRead::from_bytes("x", gzip(b"hello"));
        assert_eq!(read.bytes, b"hello");
        assert!(read.error.is_none());
    }

    #[test]
    fn truncated_gzip_keeps_decompressed_prefix() {
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| i.to_string().into_bytes())
            .collect();
        let compressed = gzip(&text);
        let read = InputRead::from_bytes("x", compressed[..compressed.len() / 2].to_vec());
        let error = read.error.expect("truncation is reported");
        assert_eq!(error.reason, "truncated_gzip");
        assert!(!read.bytes.is_empty());
        assert!(text.starts_with(&read.bytes));
    }

    #[test]
    fn corrupt_gzip_is_reported() {
        let mut compressed = gzip(b"hello hello hello hello");
        let last = compressed.len() - 1;
        compressed[last] ^= 0xff;
        let read = InputRead::from_bytes("x", compressed);
        assert_eq!(read.error.map(|error| error.reason), Some("invalid_gzip"));
    }

    #[test]
    fn missing_file_is_unreadable() {
        let read = read_input(Path::new("/nonexistent/ispm/input.json"));
        assert!(read.bytes.is_empty());
        assert_eq!(
            read.error.map(|error| error.reason),
            Some("unreadable_file")
        );
    }
}
