//! Plain-text rendering of the run summary: aligned columns, no colours.

use std::io::{self, Write};

use ispm_model::{IdentityKind, Severity};

use super::Summary;

const KINDS: [IdentityKind; 4] = [
    IdentityKind::Human,
    IdentityKind::NonHuman,
    IdentityKind::Root,
    IdentityKind::AiAgent,
];

impl Summary {
    /// Writes the summary. The rate divides decoded events by the time spent
    /// reading and processing.
    pub fn render(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "ispm replay summary")?;
        self.render_inputs(out)?;
        self.render_dead_letters(out)?;
        self.render_identities(out)?;
        self.render_findings(out)?;
        self.render_top_identities(out)?;
        self.render_timing(out)
    }

    fn render_inputs(&self, out: &mut dyn Write) -> io::Result<()> {
        let partly = if self.files_partly_read > 0 {
            format!(" ({} partly read)", self.files_partly_read)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  files           {} read, {} failed{partly}",
            self.files_read, self.files_failed
        )?;
        let records = self.events + self.snapshots + self.records_rejected;
        writeln!(
            out,
            "  records         {records} ({} decoded, {} rejected)",
            self.events + self.snapshots,
            self.records_rejected
        )?;
        if !self.skipped.is_empty() {
            let skipped: Vec<String> = self
                .skipped
                .iter()
                .map(|(reason, count)| format!("{reason} {count}"))
                .collect();
            writeln!(
                out,
                "  skipped         {} documents ({})",
                self.skipped.values().sum::<u64>(),
                skipped.join(", ")
            )?;
        }
        if self.snapshots > 0 {
            writeln!(out, "  snapshots       {}", self.snapshots)?;
        }
        writeln!(out, "  events decoded  {}", self.events)
    }

    fn render_dead_letters(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "  dead letters    {}", self.dead_letter_total())?;
        if self.dead_letters.is_empty() {
            return Ok(());
        }
        let rows: Vec<[String; 3]> = self
            .dead_letters
            .iter()
            .map(|((action, reason), count)| {
                [action.label().to_owned(), reason.clone(), count.to_string()]
            })
            .collect();
        write_table(
            out,
            "    ",
            &["action", "reason", "count"],
            &rows,
            &[false, false, true],
        )?;
        writeln!(out, "    examples:")?;
        for example in &self.dead_letter_examples {
            writeln!(out, "      {example}")?;
        }
        Ok(())
    }

    fn render_identities(&self, out: &mut dyn Write) -> io::Result<()> {
        let by_kind: Vec<String> = KINDS
            .iter()
            .map(|kind| {
                format!(
                    "{kind} {}",
                    self.identities_by_kind.get(kind).copied().unwrap_or(0)
                )
            })
            .collect();
        writeln!(
            out,
            "  identities      {} ({})",
            self.identities,
            by_kind.join(", ")
        )?;
        writeln!(out, "  inventory       {} records", self.inventory_records)
    }

    fn render_findings(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "  findings        {}", self.finding_total())?;
        if self.findings.is_empty() {
            return Ok(());
        }
        let mut header = vec!["detector"];
        header.extend(
            Severity::ALL
                .iter()
                .map(|severity| severity_column(*severity)),
        );
        header.push("total");

        let mut rows = Vec::new();
        for (detector, counts) in &self.findings {
            let mut row = vec![(*detector).to_owned()];
            row.extend(counts.iter().map(u64::to_string));
            row.push(counts.iter().sum::<u64>().to_string());
            rows.push(row);
        }
        let mut right_aligned = vec![true; header.len()];
        right_aligned[0] = false;
        write_table(out, "    ", &header, &rows, &right_aligned)
    }

    fn render_top_identities(&self, out: &mut dyn Write) -> io::Result<()> {
        let top = self.top_identities();
        if top.is_empty() {
            return Ok(());
        }
        writeln!(out, "  identities with the most severe findings")?;
        let rows: Vec<[String; 4]> = top
            .iter()
            .map(|entry| {
                [
                    entry.max_severity.label().to_owned(),
                    entry.count.to_string(),
                    entry.kind.to_string(),
                    entry.id.to_string(),
                ]
            })
            .collect();
        write_table(
            out,
            "    ",
            &["max severity", "findings", "kind", "identity"],
            &rows,
            &[false, true, false, false],
        )
    }

    fn render_timing(&self, out: &mut dyn Write) -> io::Result<()> {
        let total = self.reading + self.processing;
        let seconds = total.as_secs_f64();
        let rate = if seconds > 0.0 {
            self.events as f64 / seconds
        } else {
            0.0
        };
        writeln!(
            out,
            "  elapsed         {seconds:.3} s (reading {:.3} s, processing {:.3} s), {rate:.0} events/s",
            self.reading.as_secs_f64(),
            self.processing.as_secs_f64()
        )
    }
}

fn severity_column(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Informational => "info",
    }
}

/// Writes `rows` under `header`, each column as wide as its widest cell.
fn write_table<R: AsRef<[String]>>(
    out: &mut dyn Write,
    indent: &str,
    header: &[&str],
    rows: &[R],
    right_aligned: &[bool],
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row.as_ref()) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let header: Vec<String> = header.iter().map(|cell| (*cell).to_owned()).collect();
    write_row(out, indent, &header, &widths, right_aligned)?;
    for row in rows {
        write_row(out, indent, row.as_ref(), &widths, right_aligned)?;
    }
    Ok(())
}

fn write_row(
    out: &mut dyn Write,
    indent: &str,
    cells: &[String],
    widths: &[usize],
    right_aligned: &[bool],
) -> io::Result<()> {
    let mut line = String::from(indent);
    for (column, cell) in cells.iter().enumerate() {
        let width = widths.get(column).copied().unwrap_or(0);
        if column > 0 {
            line.push_str("  ");
        }
        if right_aligned.get(column).copied().unwrap_or(false) {
            line.push_str(&format!("{cell:>width$}"));
        } else {
            line.push_str(&format!("{cell:<width$}"));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_columns_align() {
        let mut out = Vec::new();
        let rows = vec![
            ["a".to_owned(), "1".to_owned()],
            ["longer".to_owned(), "100".to_owned()],
        ];
        write_table(&mut out, "", &["name", "n"], &rows, &[false, true]).expect("write to memory");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text, "name      n\na         1\nlonger  100\n");
    }

    #[test]
    fn empty_summary_renders() {
        let mut out = Vec::new();
        Summary::default()
            .render(&mut out)
            .expect("write to memory");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(text.contains("files           0 read, 0 failed"), "{text}");
        assert!(
            text.contains("identities      0 (human 0, non_human 0, root 0, ai_agent 0)"),
            "{text}"
        );
    }
}
