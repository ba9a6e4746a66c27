//! `ispm produce`: send whole files to a Kafka topic, one message each, so
//! that a credential report or an inventory document reaches a snapshot
//! input as one complete document.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::settings::Settings;
use crate::{EXIT_FAILED, EXIT_USAGE};

#[derive(Debug, clap::Args)]
pub struct ProduceArgs {
    /// Topic to produce to, e.g. `inventory.raw`.
    #[arg(long, value_name = "TOPIC")]
    pub topic: String,

    /// Message key of every message; none when left out.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// Files to send, one message each; `-` reads one message from stdin
    /// (e.g. `aws iam get-credential-report ... | ispm produce --topic T -`).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Reads every file, then produces them in order with the brokers and
/// client properties of `[kafka]`; 0 once the broker acknowledged all.
pub fn produce(args: &ProduceArgs, settings: &Settings) -> ExitCode {
    let mut payloads = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let read = if file.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes).map(|_| bytes)
        } else {
            std::fs::read(file)
        };
        match read {
            Ok(bytes) => payloads.push(bytes),
            Err(error) => {
                eprintln!("ispm produce: failed to read {}: {error}", file.display());
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("ispm produce: failed to start the Tokio runtime: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let sent = runtime.block_on(ispm_kafka::produce_documents(
        &settings.kafka,
        &args.topic,
        args.key.as_deref(),
        &payloads,
    ));
    match sent {
        Ok(()) => {
            eprintln!(
                "ispm produce: {} messages acknowledged on {}",
                payloads.len(),
                args.topic
            );
            ExitCode::SUCCESS
        }
        Err(ispm_kafka::RuntimeError::MissingInputTopic { topic }) => {
            eprintln!(
                "ispm produce: topic {topic:?} does not exist; create it first (for the local broker: bash deploy/local/kafka.sh topics --create --topic {topic} --partitions 1)"
            );
            ExitCode::from(EXIT_FAILED)
        }
        Err(error) => {
            eprintln!("ispm produce: {error}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}
