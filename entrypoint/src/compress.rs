//! The compressed form of the termination message.
//!
//! Upstream's `-compress_termination_message` writes `tknz:` followed by the
//! base64 (standard alphabet, no padding) of the raw DEFLATE stream (no zlib
//! header or checksum) of the JSON message, so that more results fit in the
//! 4096 bytes the kubelet keeps. We only use that form when it is shorter than
//! the JSON itself. Readers accept both forms; decompression is capped so a
//! hostile message cannot make us allocate without bound.

use std::io::Write;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Decompress, FlushDecompress, Status};

/// Marks a compressed termination message.
pub const PREFIX: &str = "tknz:";

/// The most bytes a compressed message may inflate to (128 KiB).
pub const MAX_DECOMPRESSED: usize = 128 * 1024;

/// Reads standard-alphabet base64 with or without `=` padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a `tknz:` message could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressError {
    /// The text after `tknz:` is not standard base64.
    #[error("compressed termination message is not valid base64: {0}")]
    Base64(String),
    /// The decoded bytes are not a complete raw DEFLATE stream.
    #[error("compressed termination message is not valid raw DEFLATE data: {0}")]
    Deflate(String),
    /// The stream inflates to more than [`MAX_DECOMPRESSED`] bytes.
    #[error("compressed termination message inflates to more than {limit} bytes")]
    TooLarge {
        /// The cap that was exceeded.
        limit: usize,
    },
    /// The inflated bytes are not UTF-8 text.
    #[error("decompressed termination message is not valid UTF-8")]
    NotUtf8,
}

/// Returns true when `message` carries the compressed-form prefix.
pub fn is_compressed(message: &str) -> bool {
    message.starts_with(PREFIX)
}

/// Compresses a termination message for `-compress_termination_message`.
///
/// Returns `tknz:` + base64 (standard alphabet, no padding) of the raw DEFLATE
/// stream of `json` (best compression, as upstream), but only when that is
/// strictly shorter than `json`; otherwise, and in the (in-memory, never
/// expected) case that the compressor reports an error, `json` is returned
/// unchanged. Never fails and never panics.
pub fn encode(json: &str) -> String {
    match deflate(json.as_bytes()) {
        Some(raw) => {
            let encoded_len = PREFIX.len() + base64_len_no_pad(raw.len());
            if encoded_len < json.len() {
                let mut out = String::with_capacity(encoded_len);
                out.push_str(PREFIX);
                STANDARD_NO_PAD.encode_string(&raw, &mut out);
                out
            } else {
                json.to_owned()
            }
        }
        None => json.to_owned(),
    }
}

/// Reads a termination message in either form.
///
/// Text without the `tknz:` prefix is returned as it is. After the prefix,
/// line breaks (`\r`, `\n`) are ignored as Go's decoder does, and the rest must
/// be standard base64 (padding optional) of one complete raw DEFLATE stream
/// (bytes after the end of the stream are ignored) inflating to at most
/// [`MAX_DECOMPRESSED`] bytes of UTF-8. Fails with [`CompressError`] when any
/// of that does not hold; memory use stays bounded by the input size and the
/// cap whatever the input.
pub fn decode(message: &str) -> Result<String, CompressError> {
    let Some(payload) = message.strip_prefix(PREFIX) else {
        return Ok(message.to_owned());
    };
    let cleaned: String = payload
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n'))
        .collect();
    let raw = LENIENT_BASE64
        .decode(cleaned.as_bytes())
        .map_err(|e| CompressError::Base64(e.to_string()))?;
    let bytes = inflate_capped(&raw, MAX_DECOMPRESSED)?;
    String::from_utf8(bytes).map_err(|_| CompressError::NotUtf8)
}

fn deflate(data: &[u8]) -> Option<Vec<u8>> {
    let mut encoder =
        DeflateEncoder::new(Vec::with_capacity(data.len() / 2 + 16), Compression::best());
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

fn base64_len_no_pad(n: usize) -> usize {
    n / 3 * 4
        + match n % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        }
}

/// Inflates one raw DEFLATE stream, failing once the output would pass `limit`.
fn inflate_capped(raw: &[u8], limit: usize) -> Result<Vec<u8>, CompressError> {
    let hard_cap = limit.saturating_add(1);
    let mut inflater = Decompress::new(false);
    let mut out: Vec<u8> = Vec::with_capacity(raw.len().saturating_mul(4).clamp(256, hard_cap));
    loop {
        if out.len() == out.capacity() {
            if out.len() >= hard_cap {
                return Err(CompressError::TooLarge { limit });
            }
            let grow = out.capacity().max(256).min(hard_cap - out.len());
            out.reserve_exact(grow);
        }
        let consumed = usize::try_from(inflater.total_in()).unwrap_or(usize::MAX);
        let input = raw.get(consumed..).unwrap_or(&[]);
        let (in_before, out_before) = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|e| CompressError::Deflate(e.to_string()))?;
        if out.len() > limit {
            return Err(CompressError::TooLarge { limit });
        }
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError => {
                let stalled =
                    inflater.total_in() == in_before && inflater.total_out() == out_before;
                if stalled && out.len() < out.capacity() {
                    return Err(CompressError::Deflate("stream is truncated".to_owned()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_json(n: usize) -> String {
        let entries: Vec<String> = (0..n)
            .map(|i| {
                format!(r#"{{"key":"result-{i}","value":"some repeated value {i}","type":1}}"#)
            })
            .collect();
        format!("[{}]", entries.join(","))
    }

    fn raw_deflate_b64(data: &[u8], pad: bool) -> String {
        let raw = deflate(data).expect("in-memory deflate");
        if pad {
            base64::engine::general_purpose::STANDARD.encode(raw)
        } else {
            STANDARD_NO_PAD.encode(raw)
        }
    }

    #[test]
    fn long_repetitive_json_is_compressed_and_round_trips() {
        let json = sample_json(40);
        let encoded = encode(&json);
        assert!(encoded.starts_with(PREFIX), "{encoded}");
        assert!(encoded.len() < json.len());
        assert!(!encoded.contains('='), "no padding: {encoded}");
        assert_eq!(decode(&encoded), Ok(json));
    }

    #[test]
    fn short_json_stays_plain() {
        let json = r#"[{"key":"a","value":"b","type":1}]"#;
        assert_eq!(encode(json), json);
        assert_eq!(encode(""), "");
    }

    #[test]
    fn plain_text_passes_through_decode() {
        assert_eq!(decode("").as_deref(), Ok(""));
        assert_eq!(decode("[]").as_deref(), Ok("[]"));
        assert_eq!(decode(" tknz:x").as_deref(), Ok(" tknz:x"));
    }

    #[test]
    fn padded_base64_and_line_breaks_are_accepted() {
        let json = sample_json(3);
        let padded = format!("{PREFIX}{}", raw_deflate_b64(json.as_bytes(), true));
        assert_eq!(decode(&padded).as_deref(), Ok(json.as_str()));
        let wrapped = format!("{PREFIX}{}\n", raw_deflate_b64(json.as_bytes(), false));
        let wrapped = format!("{}\r\n{}", &wrapped[..10], &wrapped[10..]);
        assert_eq!(decode(&wrapped).as_deref(), Ok(json.as_str()));
    }

    #[test]
    fn empty_payload_is_a_deflate_error() {
        assert!(matches!(decode(PREFIX), Err(CompressError::Deflate(_))));
    }

    #[test]
    fn invalid_base64_is_an_error() {
        let err = decode("tknz:not base64!").unwrap_err();
        assert!(matches!(err, CompressError::Base64(_)), "{err}");
        assert!(err.to_string().contains("base64"));
    }

    #[test]
    fn invalid_deflate_is_an_error() {
        // 0xff: a block header with the reserved block type 3.
        let msg = format!("{PREFIX}{}", STANDARD_NO_PAD.encode([0xffu8, 0xff, 0xff]));
        assert!(matches!(decode(&msg), Err(CompressError::Deflate(_))));
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let raw = deflate(sample_json(20).as_bytes()).expect("deflate");
        let msg = format!("{PREFIX}{}", STANDARD_NO_PAD.encode(&raw[..raw.len() / 2]));
        let err = decode(&msg).unwrap_err();
        assert!(matches!(err, CompressError::Deflate(_)), "{err}");
    }

    #[test]
    fn zlib_wrapped_stream_is_rejected() {
        // A zlib header (0x78 0xda) is not a valid raw DEFLATE block start here.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
        z.write_all(sample_json(5).as_bytes()).expect("zlib");
        let zlib = z.finish().expect("zlib");
        let msg = format!("{PREFIX}{}", STANDARD_NO_PAD.encode(zlib));
        assert!(decode(&msg).is_err());
    }

    #[test]
    fn non_utf8_payload_is_an_error() {
        let msg = format!("{PREFIX}{}", raw_deflate_b64(&[0xff, 0xfe, 0x80], false));
        assert_eq!(decode(&msg), Err(CompressError::NotUtf8));
    }

    #[test]
    fn exactly_the_cap_is_accepted() {
        let data = "a".repeat(MAX_DECOMPRESSED);
        let msg = format!("{PREFIX}{}", raw_deflate_b64(data.as_bytes(), false));
        assert_eq!(decode(&msg).map(|s| s.len()), Ok(MAX_DECOMPRESSED));
    }

    #[test]
    fn one_byte_over_the_cap_is_rejected() {
        let data = "a".repeat(MAX_DECOMPRESSED + 1);
        let msg = format!("{PREFIX}{}", raw_deflate_b64(data.as_bytes(), false));
        assert_eq!(
            decode(&msg),
            Err(CompressError::TooLarge {
                limit: MAX_DECOMPRESSED
            })
        );
    }

    #[test]
    fn decompression_bomb_is_rejected_quickly() {
        // 64 MiB of zeros deflate to ~64 KiB; we must stop at the cap.
        let data = vec![0u8; 64 * 1024 * 1024];
        let msg = format!("{PREFIX}{}", raw_deflate_b64(&data, false));
        assert!(msg.len() < 200_000);
        assert_eq!(
            decode(&msg),
            Err(CompressError::TooLarge {
                limit: MAX_DECOMPRESSED
            })
        );
    }

    #[test]
    fn error_messages_are_one_line() {
        for err in [
            CompressError::Base64("x".into()),
            CompressError::Deflate("y".into()),
            CompressError::TooLarge { limit: 1 },
            CompressError::NotUtf8,
        ] {
            assert!(!err.to_string().contains('\n'));
        }
    }

    proptest! {
        #[test]
        fn encode_then_decode_round_trips(s in ".{0,2000}") {
            prop_assume!(!s.starts_with(PREFIX));
            let encoded = encode(&s);
            prop_assert!(encoded.len() <= s.len());
            prop_assert_eq!(decode(&encoded), Ok(s.clone()));
        }

        #[test]
        fn repetitive_text_round_trips(unit in "[ -~]{1,20}", n in 1usize..300) {
            let s = unit.repeat(n);
            prop_assume!(!s.starts_with(PREFIX));
            prop_assert_eq!(decode(&encode(&s)), Ok(s));
        }

        #[test]
        fn decode_never_panics(s in "tknz:[A-Za-z0-9+/=\r\n]{0,400}") {
            let _ = decode(&s);
        }

        #[test]
        fn decode_never_panics_on_random_deflate_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode(&format!("{PREFIX}{}", STANDARD_NO_PAD.encode(bytes)));
        }
    }
}
