//! Decoding records in batches gives what decoding them one by one gives.

use serde_json::{Value, json};

use super::{base_record, decoder};

/// Either result of decoding, as JSON, so that two results compare.
fn outcome(result: Result<ispm_model::IdentityEvent, crate::DecodeError>) -> Value {
    match result {
        Ok(event) => serde_json::to_value(&event).unwrap_or_default(),
        Err(error) => json!({"reason": error.reason, "detail": error.detail}),
    }
}

#[test]
fn batch_decode_matches_single_records() {
    // Seventy records cross two chunk boundaries of the batch decoder, and
    // every few records is a bad one, so results must stay in input order.
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for index in 0..70 {
        let text = match index % 7 {
            0 => b"not json".to_vec(),
            1 => b"  []  ".to_vec(),
            2 => {
                let mut record = base_record(&format!("id-{index}"));
                record["eventTime"] = json!(12);
                record.to_string().into_bytes()
            }
            _ => {
                let mut record = base_record(&format!("id-{index}"));
                record["eventName"] = json!(format!("Call{index}"));
                format!(" {record}\n").into_bytes()
            }
        };
        texts.push(text);
    }
    let records: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
    let decoder = decoder();

    let mut batch = Vec::new();
    decoder.decode_batch(&records, |result| batch.push(outcome(result)));
    let one_by_one: Vec<Value> = records
        .iter()
        .map(|record| outcome(decoder.decode_record(record)))
        .collect();

    assert_eq!(batch.len(), records.len());
    assert_eq!(batch, one_by_one);
    assert_eq!(batch[3]["action"], "Call3");
    assert_eq!(batch[0]["reason"], "invalid_json");
}
