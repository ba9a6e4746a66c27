//! Renders the fixture report in headless Chromium: the page's scripts must
//! run and draw every chart, hostile data must stay text, and a screenshot
//! must come out as a PNG.
//!
//! Without `/usr/bin/chromium` (or `chromium` on PATH) these tests print a
//! SKIP line and pass, unless `ISPM_CHROMIUM_REQUIRED=1`, which CI sets after
//! running deploy/local/install-chromium.sh. With `ISPM_UPDATE_DOCS=1` the
//! screenshot test also writes docs/report.png.

mod fixtures;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ispm_report::{Filters, ReportArgs, run};

/// Charts the page draws: trend, accounts, owners, severity, controls.
const CHARTS: usize = 5;
/// A cold Chromium start on a loaded 2-core machine takes a few seconds; this
/// leaves a wide margin before the test gives up.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(120);
const SCREENSHOT_WIDTH: u32 = 1280;
const SCREENSHOT_HEIGHT: u32 = 2400;

fn chromium() -> Option<PathBuf> {
    let default = PathBuf::from("/usr/bin/chromium");
    if default.is_file() {
        return Some(default);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
}

/// Returns Chromium, or `None` after printing a SKIP line. Panics when
/// `ISPM_CHROMIUM_REQUIRED=1` and Chromium is missing.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var("ISPM_CHROMIUM_REQUIRED").as_deref() != Ok("1"),
            "ISPM_CHROMIUM_REQUIRED=1 but chromium was not found; \
             run deploy/local/install-chromium.sh"
        );
        let line = format!(
            "\n!!!!!!!! SKIP {test}: chromium not found \
             (run deploy/local/install-chromium.sh) !!!!!!!!\n"
        );
        // The harness hides eprintln! output of passing tests, so this goes
        // to the process's stderr; nothing useful can be done if that fails.
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
    found
}

/// Writes the fixture report into `dir/report` and returns its page.
fn write_report(dir: &Path) -> PathBuf {
    let input = dir.join("input");
    std::fs::create_dir_all(&input).expect("create input folder");
    fixtures::write_fixture(&input);
    let args = ReportArgs {
        input,
        out: dir.join("report"),
        filters: Filters::default(),
    };
    run(&args).expect("report runs");
    dir.join("report").join("report.html")
}

/// Runs headless Chromium on `page` with `extra` arguments and returns its
/// stdout. Kills it after [`CHROMIUM_TIMEOUT`].
fn run_chromium(chromium: &Path, profile: &Path, page: &Path, extra: &[String]) -> String {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");

    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err_reader = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll chromium") {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let errors = err_reader.join().unwrap_or_default();
            panic!("chromium timed out after {CHROMIUM_TIMEOUT:?}; stderr:\n{errors}");
        }
        thread::sleep(Duration::from_millis(100));
    };
    let output = out_reader.join().expect("stdout reader");
    let errors = err_reader.join().expect("stderr reader");
    assert!(
        status.success(),
        "chromium failed: {status}; stderr:\n{errors}"
    );
    output
}

#[test]
fn charts_render_in_chromium() {
    let Some(chromium) = chromium_or_skip("charts_render_in_chromium") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = write_report(dir.path());

    let dom = run_chromium(
        &chromium,
        &dir.path().join("profile"),
        &page,
        &["--dump-dom".to_owned()],
    );

    assert!(
        dom.contains(&format!("data-charts-drawn=\"{CHARTS}\"")),
        "the page's script did not finish drawing; DOM starts with:\n{}",
        &dom[..dom.len().min(2000)]
    );
    assert_eq!(dom.matches("class=\"chart-svg\"").count(), CHARTS);
    assert_eq!(dom.matches("data-drawn=\"true\"").count(), CHARTS);
    assert!(dom.contains("<polyline"), "trend line missing");
    assert!(dom.matches("<circle").count() >= 5, "trend points missing");
    assert!(dom.matches("<rect").count() >= 10, "bars missing");
    assert!(!dom.contains("data-injected=\""), "data ran as script");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn screenshot_is_png() {
    let Some(chromium) = chromium_or_skip("screenshot_is_png") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let page = write_report(dir.path());
    let screenshot = dir.path().join("report.png");

    run_chromium(
        &chromium,
        &dir.path().join("profile"),
        &page,
        &[
            format!("--screenshot={}", screenshot.display()),
            format!("--window-size={SCREENSHOT_WIDTH},{SCREENSHOT_HEIGHT}"),
        ],
    );

    let png = std::fs::read(&screenshot).expect("screenshot written");
    assert!(png.len() > 20_000, "screenshot is only {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (SCREENSHOT_WIDTH, SCREENSHOT_HEIGHT));

    if std::env::var("ISPM_UPDATE_DOCS").as_deref() == Ok("1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        std::fs::create_dir_all(&docs).expect("create docs folder");
        std::fs::write(docs.join("report.png"), &png).expect("write docs/report.png");
    }
}
