//! `ispm run`: settings checks without a broker, and one record through the
//! local broker that `.ci/run` starts (`ISPM_KAFKA_BOOTSTRAP` and
//! `ISPM_KAFKA_SCRIPT` set).

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;

#[test]
fn inconsistent_kafka_settings_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("ispm.toml");
    std::fs::write(&config, "[kafka]\ngroup_id = \"\"\ninputs = []\n").expect("write config");

    for subcommand in ["run", "check-config"] {
        let output = run(ispm().arg(subcommand).arg("--config").arg(&config));
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{subcommand}: {stderr}");
        assert!(
            stderr.contains("kafka.group_id is empty"),
            "{subcommand}: {stderr}"
        );
        assert!(
            stderr.contains("kafka.inputs is empty"),
            "{subcommand}: {stderr}"
        );
    }
}

#[test]
fn replay_ignores_inconsistent_kafka_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("ispm.toml");
    std::fs::write(&config, "[kafka]\ngroup_id = \"\"\n").expect("write config");
    let output = run(ispm()
        .arg("replay")
        .arg("--config")
        .arg(&config)
        .arg(samples().join("stratus-red-team")));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// Returns the local broker's address and control script, or `None` when no
/// broker was started for this test run.
fn local_broker() -> Option<(String, String)> {
    let bootstrap = std::env::var("ISPM_KAFKA_BOOTSTRAP").ok()?;
    let script = std::env::var("ISPM_KAFKA_SCRIPT").ok()?;
    Some((bootstrap, script))
}

fn kafka_script(script: &str, args: &[&str]) -> Command {
    let mut command = Command::new("bash");
    command.arg(script).args(args);
    command
}

/// A child process that is killed when the test ends early, so a failed
/// assertion leaves no `ispm run` behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Sends SIGTERM, as a container runtime does to stop a process.
fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "SIGTERM was delivered");
}

#[test]
fn run_processes_a_record_and_stops_on_sigterm() {
    let Some((bootstrap, script)) = local_broker() else {
        eprintln!(
            "skipped: ISPM_KAFKA_BOOTSTRAP and ISPM_KAFKA_SCRIPT are not set; `bash .ci/run` sets them"
        );
        return;
    };
    let suffix = format!(
        "{}-{}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis())
    );
    let raw_topic = format!("cli-test-raw-{suffix}");
    let anomaly_topic = format!("cli-test-anomaly-{suffix}");

    let created = kafka_script(
        &script,
        &[
            "topics",
            "--create",
            "--topic",
            &raw_topic,
            "--partitions",
            "1",
        ],
    )
    .output()
    .expect("kafka.sh runs");
    assert!(created.status.success(), "{}", stderr(&created));

    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("ispm.toml");
    std::fs::write(
        &config,
        format!(
            r#"[kafka]
bootstrap_servers = "{bootstrap}"
group_id = "cli-test-{suffix}"

[[kafka.inputs]]
topic = "{raw_topic}"
decoder = "cloudtrail"
keyed_by_identity = false

[kafka.topics]
events = "cli-test-events-{suffix}"
findings_anomaly = "{anomaly_topic}"
findings_policy = "cli-test-policy-{suffix}"
inventory = "cli-test-inventory-{suffix}"
deadletter = "cli-test-deadletter-{suffix}"

[http]
listen = "127.0.0.1:0"
"#
        ),
    )
    .expect("write config");

    let mut child = KillOnDrop(
        ispm()
            .arg("run")
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the ispm binary starts"),
    );
    // Read stderr on a thread, so a chatty log cannot fill the pipe and block
    // the child.
    let mut stderr_pipe = child.0.stderr.take().expect("piped stderr");
    let log_reader = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = stderr_pipe.read_to_string(&mut log);
        log
    });

    // One CloudTrail document per message, as a log shipper writes it.
    let document = std::fs::read_to_string(
        samples().join("stratus-red-team/aws.defense-evasion.cloudtrail-stop.json"),
    )
    .expect("sample is readable");
    let message: serde_json::Value = serde_json::from_str(&document).expect("sample is JSON");
    let mut producer = kafka_script(&script, &["console-producer", "--topic", &raw_topic])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kafka.sh runs");
    {
        use std::io::Write;
        let mut stdin = producer.stdin.take().expect("piped stdin");
        writeln!(stdin, "{message}").expect("write the message");
    }
    assert!(producer.wait().expect("producer exits").success());

    let consumed = kafka_script(
        &script,
        &[
            "console-consumer",
            "--topic",
            &anomaly_topic,
            "--from-beginning",
            "--max-messages",
            "1",
            "--timeout-ms",
            "60000",
        ],
    )
    .stderr(Stdio::null())
    .output()
    .expect("kafka.sh runs");
    let findings = ndjson(&stdout(&consumed));

    terminate(&child.0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.0.try_wait().expect("wait for ispm") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "ispm run stops within 60 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = log_reader.join().expect("stderr reader ends");

    assert_eq!(findings.len(), 1, "one finding on {anomaly_topic}\n{log}");
    assert_detection_finding(&findings[0]);
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("ispm run stopped"), "{log}");
}
