//! Whole-document tests: one small doc per metadata style (modelled on the seed
//! templates), and the title, id, status, placeholder, date and body-blanking rules.

use super::*;
use crate::diag::Severity;
use std::path::{Path, PathBuf};

fn config() -> Config {
    Config::default_at(Path::new("/p"))
}

fn doc_with(path: &str, text: &str, config: &Config) -> Doc {
    let file = SourceFile {
        rel_path: path.to_string(),
        abs_path: PathBuf::from("/p/content").join(path),
        text: text.to_string(),
        diagnostics: Vec::new(),
        sidecar: None,
    };
    parse(&file, config)
}

fn doc(path: &str, text: &str) -> Doc {
    doc_with(path, text, &config())
}

fn warnings(d: &Doc) -> Vec<(Option<u32>, &str)> {
    d.diagnostics.iter().filter(|x| x.severity == Severity::Warning).map(|x| (x.line, x.message.as_str())).collect()
}

fn body_line(d: &Doc, line: usize) -> &str {
    d.body.split('\n').nth(line - 1).unwrap_or("<missing>")
}

fn targets(d: &Doc, relation: Relation) -> Vec<&str> {
    d.refs.iter().filter(|r| r.relation == relation).map(|r| r.target.as_str()).collect()
}

fn assert_same_line_count(d: &Doc, text: &str) {
    assert_eq!(d.body.split('\n').count(), text.split('\n').count(), "body line count");
}

/// Seed 000 style: `## Metadata` and a `| **Field** | Value |` table.
const TABLE_DOC: &str = "# TRD-0101: Distributed Rate Limiter

> **Technical Requirements Document**

## Metadata

| Field | Value |
|-------|-------|
| **Author** | Priya Natarajan, @sam |
| **Date** | 2026-03-02 |
| **Status** | In Review |
| **Version** | 1.2 |
| **Related PRD** | [PRD-0040](../prd/PRD-0040-quotas.md) |
| **Related ADR** | ADR-7, ADR 0009 |

## 1. Overview

**Status**: this is prose about status, not metadata.
";

#[test]
fn metadata_table_style() {
    let d = doc("trd/TRD-0101-rate-limiter.md", TABLE_DOC);
    assert_eq!(d.id, "TRD-0101");
    assert!(d.numbered);
    assert_eq!(d.kind.as_deref(), Some("TRD"));
    assert_eq!(d.title, "Distributed Rate Limiter");
    assert_eq!(d.status.as_deref(), Some("in-review"));
    assert_eq!(d.status_raw.as_deref(), Some("In Review"));
    assert_eq!(d.authors, ["Priya Natarajan", "sam"]);
    assert_eq!(d.created.as_deref(), Some("2026-03-02"));
    assert_eq!(d.version.as_deref(), Some("1.2"));
    assert_eq!(targets(&d, Relation::Related), ["../prd/PRD-0040-quotas.md", "ADR-0007", "ADR-0009"]);
    let prd = &d.refs[0];
    assert_eq!(
        (prd.line, prd.field.as_deref(), prd.label.as_deref()),
        (Some(13), Some("Related PRD"), Some("PRD-0040"))
    );
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    // The card fields keep labels as written and file lines.
    let status = d.fields.iter().find(|f| f.key == "status").unwrap();
    assert_eq!((status.label.as_str(), status.value.as_str(), status.line), ("Status", "In Review", 11));
    // Body: title, heading and table blanked; the blockquote and the section stay.
    assert_same_line_count(&d, TABLE_DOC);
    for line in [1, 5, 7, 8, 9, 14] {
        assert_eq!(body_line(&d, line), "", "line {line}");
    }
    assert_eq!(body_line(&d, 3), "> **Technical Requirements Document**");
    assert_eq!(body_line(&d, 16), "## 1. Overview");
    assert!(body_line(&d, 18).starts_with("**Status**: this is prose"));
}

#[test]
fn metadata_table_without_bold_or_heading() {
    let text = "# Quotas\n\n| Status | Approved |\n|---|---|\n| Owner | Kim |\n\nBody.\n";
    let d = doc("quotas.md", text);
    assert_eq!(d.status.as_deref(), Some("approved"));
    assert_eq!(d.authors, ["Kim"]);
    assert_eq!(body_line(&d, 3), "");
    assert_eq!(body_line(&d, 7), "Body.");
}

/// Seed 001 style: `**Key**: value` lines and a `---` rule.
const BOLD_COLON_OUTSIDE: &str = "# TRD: Checkout Flow

**Status**: Approved
**Author**: Kim Lee
**Created**: March 2, 2026
**Last Updated**: 2026/03/09
**Related PRD**: PRD-0040

---

## 1. Overview

**Description**: not metadata.
";

#[test]
fn bold_key_lines_with_colon_outside() {
    let d = doc("trd/checkout.md", BOLD_COLON_OUTSIDE);
    assert_eq!(d.kind.as_deref(), Some("TRD"));
    assert_eq!(d.title, "Checkout Flow");
    assert_eq!(d.id, "trd-checkout");
    assert!(!d.numbered);
    assert_eq!(d.status.as_deref(), Some("approved"));
    assert_eq!(d.authors, ["Kim Lee"]);
    assert_eq!(d.created.as_deref(), Some("2026-03-02"));
    assert_eq!(d.updated.as_deref(), Some("2026-03-09"));
    assert_eq!(targets(&d, Relation::Related), ["PRD-0040"]);
    assert_same_line_count(&d, BOLD_COLON_OUTSIDE);
    for line in 1..=9 {
        assert_eq!(body_line(&d, line), "", "line {line}");
    }
    assert_eq!(body_line(&d, 11), "## 1. Overview");
    assert_eq!(body_line(&d, 13), "**Description**: not metadata.");
}

/// Seed 002 style: `## Document Information` with `**Key:** value  ` lines.
const DOC_INFO: &str = "# Technical Specification: Search Reindexing

## Document Information
**Project:** Atlas  
**Version:** 2.0  
**Date:** 2 Mar 2026  
**Author:** Jo Park <jo@acme.io>  
**Status:** Implemented  
**Related PRD:** [Search PRD](../prd/search.md)  
**Related ADR:** ADR-0012, ADR-0013

## Executive Summary

- **Purpose:** not metadata
";

#[test]
fn document_information_section_with_trailing_spaces() {
    let d = doc("specs/search-reindexing.md", DOC_INFO);
    assert_eq!(d.kind.as_deref(), Some("SPEC"));
    assert_eq!(d.title, "Search Reindexing");
    assert_eq!(d.id, "specs-search-reindexing");
    assert_eq!(d.version.as_deref(), Some("2.0"));
    assert_eq!(d.created.as_deref(), Some("2026-03-02"));
    assert_eq!(d.authors, ["Jo Park"]);
    assert_eq!(d.status.as_deref(), Some("implemented"));
    assert_eq!(targets(&d, Relation::Related), ["../prd/search.md", "ADR-0012", "ADR-0013"]);
    assert!(d.fields.iter().any(|f| f.key == "project" && f.value == "Atlas"));
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    for line in 1..=10 {
        assert_eq!(body_line(&d, line), "", "line {line}");
    }
    assert_eq!(body_line(&d, 12), "## Executive Summary");
    assert_eq!(body_line(&d, 14), "- **Purpose:** not metadata");
}

/// Seed 003 style: `**Key:** value` lines and a `**Related Documents:**` list.
const RELATED_LIST: &str = "# Technical Design Document (TDD): Ledger Sync

<!-- LLM: guidance for authors -->

**Status:** ✅ **Accepted**
**Author:** Ana Ruiz and Ben Okafor
**Created:** 2026-03-02T10:00:00Z
**Last Updated:** 2026-03-05

**Related Documents:**
- PRD: [Ledger PRD](../prd/PRD-0007-ledger.md)
- RFC: RFC-15
- ADRs: ADR-3, ADR-4
- Supersedes: TDD-0002
- Amends: TDD-0001

---

## Overview
";

#[test]
fn related_documents_list_and_bold_colon_inside() {
    let d = doc("tdd/ledger-sync.md", RELATED_LIST);
    assert_eq!(d.kind.as_deref(), Some("TDD"));
    assert_eq!(d.title, "Ledger Sync");
    assert_eq!(d.status.as_deref(), Some("accepted"));
    assert_eq!(d.status_raw.as_deref(), Some("Accepted"));
    assert_eq!(d.authors, ["Ana Ruiz", "Ben Okafor"]);
    assert_eq!(d.created.as_deref(), Some("2026-03-02"));
    assert_eq!(d.updated.as_deref(), Some("2026-03-05"));
    assert_eq!(
        targets(&d, Relation::Related),
        ["../prd/PRD-0007-ledger.md", "RFC-0015", "ADR-0003", "ADR-0004", "TDD-0001"]
    );
    assert_eq!(targets(&d, Relation::Supersedes), ["TDD-0002"]);
    let fields: Vec<Option<&str>> = d.refs.iter().map(|r| r.field.as_deref()).collect();
    assert_eq!(fields, [Some("PRD"), Some("RFC"), Some("ADRs"), Some("ADRs"), Some("Supersedes"), Some("Amends")]);
    assert_eq!(d.refs[1].line, Some(12));
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    assert_same_line_count(&d, RELATED_LIST);
    assert_eq!(body_line(&d, 3), "<!-- LLM: guidance for authors -->", "comments are not consumed");
    for line in [1, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 17] {
        assert_eq!(body_line(&d, line), "", "line {line}");
    }
    assert_eq!(body_line(&d, 19), "## Overview");
}

/// Seed 004 style: YAML front-matter with camelCase keys and a list.
const FRONT_MATTER: &str = "---
title: \"Payments Gateway - Technical Specification\"
status: approved
created: 2026-03-02
lastModified: 2026-03-10
author: \"Priya Natarajan\"
reviewers:
  - \"Sam Lee\"
  - Kim
version: 0.10
relatedPRD: \"docs/specs/payments/prd.md\"
Superseded-by: SPEC-0031
---

# Payments Gateway - Technical Specification

## Overview
";

#[test]
fn yaml_front_matter_style() {
    let d = doc("specs/payments.md", FRONT_MATTER);
    assert_eq!(d.title, "Payments Gateway");
    assert_eq!(d.kind.as_deref(), Some("SPEC"));
    assert_eq!(d.status.as_deref(), Some("approved"));
    assert_eq!(d.created.as_deref(), Some("2026-03-02"));
    assert_eq!(d.updated.as_deref(), Some("2026-03-10"));
    assert_eq!(d.authors, ["Priya Natarajan"]);
    assert_eq!(d.reviewers, ["Sam Lee", "Kim"]);
    assert_eq!(d.version.as_deref(), Some("0.10"), "YAML numbers keep their written form");
    assert_eq!(targets(&d, Relation::Related), ["docs/specs/payments/prd.md"]);
    assert_eq!(targets(&d, Relation::SupersededBy), ["SPEC-0031"]);
    assert_eq!(d.refs[0].line, Some(11));
    assert_eq!(d.refs[0].field.as_deref(), Some("relatedPRD"));
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    assert_same_line_count(&d, FRONT_MATTER);
    for line in 1..=15 {
        assert_eq!(body_line(&d, line), "", "line {line}");
    }
    assert_eq!(body_line(&d, 17), "## Overview");
    let updated = d.fields.iter().find(|f| f.key == "updated").unwrap();
    assert_eq!((updated.label.as_str(), updated.line), ("lastModified", 5));
}

#[test]
fn madr_front_matter_in_an_adr_folder() {
    let text = "---\nstatus: accepted\ndate: 2026-01-15\ndeciders: Ana Ruiz, Ben Okafor\n---\n# Use Kafka for events\n\n## Context\n";
    let d = doc("docs/decisions/0004-use-kafka.md", text);
    assert_eq!(d.id, "ADR-0004");
    assert!(d.numbered);
    assert_eq!(d.kind.as_deref(), Some("ADR"));
    assert_eq!(d.title, "Use Kafka for events");
    assert_eq!(d.status.as_deref(), Some("accepted"));
    assert_eq!(d.created.as_deref(), Some("2026-01-15"));
    assert_eq!(d.authors, ["Ana Ruiz", "Ben Okafor"]);
}

#[test]
fn madr2_bullet_metadata() {
    let text = "# Use Markdown ADRs\n\n* Status: accepted\n* Deciders: Ana, Ben\n* Date: 2026-02-01\n\nTechnical Story: none\n\n## Context\n";
    let d = doc("adr/0001-use-markdown-adrs.md", text);
    assert_eq!(d.status.as_deref(), Some("accepted"));
    assert_eq!(d.authors, ["Ana", "Ben"]);
    assert_eq!(d.created.as_deref(), Some("2026-02-01"));
    assert_eq!((body_line(&d, 3), body_line(&d, 5)), ("", ""));
}

#[test]
fn adr_tools_numbered_title_and_status_section() {
    let text = "# 7. Use PostgreSQL\n\nDate: 2026-03-02\n\n## Status\n\nSuperseded by [9. Use CockroachDB](0009-use-cockroachdb.md)\n\nAmends [3. Storage](0003-storage.md)\n\n## Context\n";
    let d = doc("adr/use-postgresql.md", text);
    assert_eq!(d.id, "ADR-0007", "number from the title, kind from the folder");
    assert_eq!(d.title, "Use PostgreSQL");
    assert_eq!(d.status.as_deref(), Some("superseded"));
    assert_eq!(targets(&d, Relation::SupersededBy), ["0009-use-cockroachdb.md"]);
    let amends = d.refs.iter().find(|r| r.target == "0003-storage.md").unwrap();
    assert_eq!((amends.relation, amends.field.as_deref()), (Relation::Related, Some("Amends")));
    assert_eq!(body_line(&d, 11), "## Context");
    assert!((1..=9).all(|l| body_line(&d, l).is_empty()), "{}", d.body);
}

// ---------------------------------------------------------------------------------------
// Title and id rules

#[test]
fn title_rules() {
    for (h1, title) in [
        ("# TRD-0101: Rate Limiter", "Rate Limiter"),
        ("# TRD: Rate Limiter", "Rate Limiter"),
        ("# Technical Specification: Rate Limiter", "Rate Limiter"),
        ("# Technical Design Document (TDD): Rate Limiter", "Rate Limiter"),
        ("# Technical Requirements Document: Rate Limiter", "Rate Limiter"),
        ("# ADR 7: Rate Limiter", "Rate Limiter"),
        ("# 7. Rate Limiter", "Rate Limiter"),
        ("# Rate Limiter - Technical Specification", "Rate Limiter"),
        ("# Rate limiting: a primer", "Rate limiting: a primer"),
    ] {
        let d = doc("x/notes.md", &format!("{h1}\n\nText\n"));
        assert_eq!(d.title, title, "{h1}");
        assert_eq!(body_line(&d, 1), "", "{h1}");
    }
}

#[test]
fn metadata_title_wins_and_a_different_h1_stays() {
    let d = doc("a.md", "---\ntitle: Ledger\n---\n# Background of the ledger\n");
    assert_eq!(d.title, "Ledger");
    assert_eq!(body_line(&d, 4), "# Background of the ledger");
    let same = doc("a.md", "---\ntitle: Ledger\n---\n# Ledger\n");
    assert_eq!(body_line(&same, 4), "");
}

#[test]
fn setext_title_is_read_and_blanked() {
    let d = doc("a.md", "Ledger Sync\n===========\n\nText\n");
    assert_eq!(d.title, "Ledger Sync");
    assert_eq!((body_line(&d, 1), body_line(&d, 2)), ("", ""));
}

#[test]
fn title_falls_back_to_the_file_name() {
    let d = doc("trd/TRD-0120-quota-service.md", "No heading here.\n");
    assert_eq!(d.title, "Quota service");
    assert_eq!(d.id, "TRD-0120");
}

#[test]
fn id_rules_in_priority_order() {
    // Metadata id beats title and file name.
    let d = doc("trd/TRD-0001-x.md", "---\nid: trd-42\n---\n# TRD-0101: X\n");
    assert_eq!((d.id.as_str(), d.numbered), ("TRD-0042", true));
    // A bare number in `id:` takes the kind from the folder.
    let d = doc("adr/x.md", "---\nid: 12\n---\n# X\n");
    assert_eq!(d.id, "ADR-0012");
    // A non-numbered metadata id becomes a slug.
    let d = doc("x.md", "---\nid: Payments API\n---\n# X\n");
    assert_eq!((d.id.as_str(), d.numbered), ("payments-api", false));
    // Title beats file name.
    let d = doc("trd/TRD-0001-x.md", "# TRD-0101: X\n");
    assert_eq!(d.id, "TRD-0101");
    // File name, then folder + number.
    assert_eq!(doc("trd/TRD-0101-x.md", "# X\n").id, "TRD-0101");
    assert_eq!(doc("adr/0007-x.md", "# X\n").id, "ADR-0007");
    assert_eq!(doc("adrs/0007-x.md", "# X\n").kind.as_deref(), Some("ADR"));
    // Else the path slug.
    let d = doc("specs/Search Reindexing.md", "# X\n");
    assert_eq!((d.id.as_str(), d.numbered), ("specs-search-reindexing", false));
    assert_eq!(d.kind.as_deref(), Some("SPEC"), "kind from the folder");
}

#[test]
fn kinds_come_only_from_configured_kinds() {
    let (c, _) = crate::config::from_str(Path::new("/p"), "[portal]\nkinds = [\"ADR\"]\n").unwrap();
    let d = doc_with("trd/TRD-0101-x.md", "# TRD-0101: X\n", &c);
    assert_eq!(d.kind, None);
    assert!(!d.numbered);
    let d = doc_with("x.md", "---\ntype: Architecture Decision Record\n---\n# X\n", &c);
    assert_eq!(d.kind.as_deref(), Some("ADR"));
}

// ---------------------------------------------------------------------------------------
// Status, placeholders, dates

#[test]
fn status_spellings_and_superseded_by() {
    let d = doc("a.md", "# A\n\n**Status:** Superseded by ADR-9\n");
    assert_eq!(d.status.as_deref(), Some("superseded"));
    assert_eq!(d.status_raw.as_deref(), Some("Superseded by ADR-9"));
    assert_eq!(targets(&d, Relation::SupersededBy), ["ADR-0009"]);
    assert_eq!(d.refs[0].line, Some(3));

    let d = doc("a.md", "# A\n\n**Status:** Parked\n");
    assert_eq!(d.status.as_deref(), Some("parked"));
    assert!(warnings(&d).is_empty(), "unknown statuses are reported once per portal");
    let w = portal_diagnostics(&[d], &config());
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].line, Some(3));
    assert!(w[0].message.contains("unknown status `Parked`"), "{}", w[0].message);

    let (c, _) = crate::config::from_str(Path::new("/p"), "[portal.status]\n\"On Hold\" = \"draft\"\n").unwrap();
    let d = doc_with("a.md", "# A\n\n**Status:** On Hold\n", &c);
    assert_eq!(d.status.as_deref(), Some("draft"));
    assert!(d.diagnostics.is_empty());
}

#[test]
fn conflicting_statuses_keep_the_first_and_warn() {
    let d = doc("a.md", "---\nstatus: draft\n---\n# A\n\n**Status:** Approved\n");
    assert_eq!(d.status.as_deref(), Some("draft"));
    let w = warnings(&d);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].0, Some(6));
}

/// The seeds unfilled: every placeholder is unset with one warning naming field and line.
#[test]
fn placeholders_are_unset_with_one_warning_per_field() {
    let text = "# TRD-{NUMBER}: {Title}

## Metadata

| Field | Value |
|-------|-------|
| **Author** | {name} |
| **Date** | {YYYY-MM-DD} |
| **Status** | Draft / In Review / Approved / Superseded |
| **Version** | 1.0 |
| **Related PRD** | [PRD-{NUMBER}](link) |
| **Related ADR** | [ADR-{NUMBER}](link) |
";
    // A copy of the template that still holds its placeholders (a file named like a
    // template is unlisted and not warned about).
    let d = doc("trd/new-doc.md", text);
    assert_eq!(d.title, "New doc", "placeholder title falls back to the file name");
    assert_eq!(d.status, None);
    assert!(d.authors.is_empty());
    assert_eq!(d.created, None);
    assert_eq!(d.version.as_deref(), Some("1.0"));
    assert!(d.refs.is_empty(), "{:?}", d.refs);
    let w = warnings(&d);
    let lines: Vec<Option<u32>> = w.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [Some(7), Some(8), Some(9), Some(11), Some(12), Some(1)], "{w:?}");
    assert!(w[0].1.contains("`Author`") && w[0].1.contains("{name}"), "{}", w[0].1);
    assert!(w[2].1.contains("`Status`") && w[2].1.contains("choices"), "{}", w[2].1);
    assert!(d.fields.iter().all(|f| f.key != "status" && f.key != "authors"));
    // The template's table is still metadata, so it is still blanked.
    assert_eq!(body_line(&d, 9), "");
}

#[test]
fn bracket_placeholders_and_choice_lists() {
    let text = "# TRD: [Feature Name]\n\n**Status**: Draft | In Review | Approved | In Progress | Complete\n**Author**: [Name]\n**Created**: [Date]\n**Last Updated**: YYYY-MM-DD\n**Related PRD**: [Link to PRD if applicable]\n";
    let d = doc("trd/feature.md", text);
    assert_eq!(d.kind.as_deref(), Some("TRD"));
    assert_eq!(d.title, "Feature");
    assert_eq!((d.status.as_ref(), d.created.as_ref(), d.updated.as_ref()), (None, None, None));
    assert!(d.authors.is_empty() && d.refs.is_empty());
    let lines: Vec<Option<u32>> = warnings(&d).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [Some(3), Some(4), Some(5), Some(6), Some(7), Some(1)]);
}

#[test]
fn yaml_placeholders_warn_once_per_field() {
    let text = "---\ntitle: \"[Feature Name] - Technical Specification\"\nauthor: \"[Author Name]\"\nreviewers:\n  - \"[Reviewer 1]\"\n  - \"[Reviewer 2]\"\ncreated: YYYY-MM-DD\nrelatedPRD: \"docs/specs/[feature-name]/prd.md\"\n---\n";
    let d = doc("specs/feature.md", text);
    assert_eq!(d.title, "Feature");
    assert_eq!(d.kind.as_deref(), Some("SPEC"));
    assert!(d.reviewers.is_empty() && d.refs.is_empty());
    let w = warnings(&d);
    let mut lines: Vec<Option<u32>> = w.iter().map(|(l, _)| *l).collect();
    lines.sort();
    assert_eq!(lines, [Some(2), Some(3), Some(5), Some(7), Some(8)], "{w:?}");
}

#[test]
fn empty_values_are_unset_without_warning() {
    let d = doc(
        "a.md",
        "# A\n\n**Status:** Draft\n**Related PRD:** n/a\n**Supersedes:** none\n**Reviewers:** TBD\n**Version:** -\n",
    );
    assert!(d.refs.is_empty());
    assert!(d.reviewers.is_empty());
    assert_eq!(d.version, None);
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
}

#[test]
fn impossible_dates_warn_and_stay_unset() {
    let d = doc("a.md", "---\ncreated: 2023-14-05\nupdated: 03/04/2026\n---\n# A\n");
    assert_eq!((d.created.as_ref(), d.updated.as_ref()), (None, None));
    let w = warnings(&d);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].0, Some(2));
    assert!(w[0].1.contains("2023-14-05") && w[0].1.contains("not a real date"), "{}", w[0].1);
    assert!(w[1].1.contains("ambiguous"), "{}", w[1].1);
}

#[test]
fn yaml_typed_values_become_text() {
    let d = doc("a.md", "---\nversion: 2\ndraft: true\ncreated: 2026-03-02\ntags: [a, b]\n---\n");
    assert_eq!(d.version.as_deref(), Some("2"));
    assert_eq!(d.created.as_deref(), Some("2026-03-02"));
    let tags = d.fields.iter().find(|f| f.key == "tags").unwrap();
    assert_eq!(tags.value, "a, b");
    assert!(d.fields.iter().any(|f| f.label == "draft" && f.value == "true"));
}

// ---------------------------------------------------------------------------------------
// Robustness and body

#[test]
fn broken_yaml_is_an_error_on_the_file_line_and_the_doc_is_still_read() {
    let text = "---\ntitle: Ledger\nstatus: draft\nauthors: [Ana, Ben\n---\n# TRD-0005: Ledger Sync\n\nBody\n";
    let d = doc("trd/x.md", text);
    let errors: Vec<_> = d.diagnostics.iter().filter(|x| x.is_error()).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].source, "trd/x.md");
    let line = errors[0].line.unwrap();
    assert!((4..=5).contains(&line), "error on line {line}");
    assert_eq!(d.id, "TRD-0005");
    assert_eq!(d.status.as_deref(), Some("draft"), "simple keys are salvaged");
    assert_eq!(body_line(&d, 8), "Body");
    assert_same_line_count(&d, text);
}

#[test]
fn unclosed_front_matter_keeps_the_doc() {
    let text = "---\ntitle: x\n\n# Ledger\n\nBody\n";
    let d = doc("x.md", text);
    assert!(d.diagnostics.iter().any(|x| x.is_error() && x.line == Some(1)));
    assert_eq!(d.title, "Ledger");
    assert_eq!(body_line(&d, 6), "Body");
}

#[test]
fn alias_bomb_returns_quickly_with_a_diagnostic() {
    let mut text =
        String::from("---\na: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    let mut prev = 'a';
    for name in "bcdefghi".chars() {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    text.push_str("---\n# Bomb\n");
    // A real bomb (9^9 expansions): finishing at all proves the expansion was refused.
    let d = doc("bomb.md", &text);
    assert!(d.diagnostics.iter().any(|x| x.is_error()));
    assert_eq!(d.title, "Bomb");
}

#[test]
fn code_fences_are_never_metadata() {
    let text = "# A\n\n```yaml\n**Status:** Approved\n| **Author** | Kim |\n```\n\n**Status:** Draft\n";
    let d = doc("a.md", text);
    assert_eq!(d.status.as_deref(), Some("draft"));
    assert!(d.authors.is_empty());
    for line in 3..=6 {
        assert_eq!(body_line(&d, line), text.split('\n').nth(line - 1).unwrap());
    }
    assert_eq!(body_line(&d, 8), "");
}

#[test]
fn body_keeps_line_count_and_trailing_newline() {
    for text in ["", "\n", "# A", "# A\n", "---\nstatus: x\n---", "# A\n\n\n**Status:** Draft\n\n\n"] {
        let d = doc("a.md", text);
        assert_eq!(d.body.split('\n').count(), text.split('\n').count(), "{text:?}");
        if text.ends_with('\n') {
            assert!(d.body.ends_with('\n'), "{text:?}");
        }
    }
}

#[test]
fn source_diagnostics_come_first() {
    let file = SourceFile {
        rel_path: "a.md".into(),
        abs_path: PathBuf::from("/p/content/a.md"),
        text: "# A\n\n**Status:** draft\n\n**Version:** x.y (date)\n\n**Date:** 2026-14-01\n".into(),
        diagnostics: vec![Diagnostic::warning("a.md", None, "invalid UTF-8 replaced")],
        sidecar: None,
    };
    let d = parse(&file, &config());
    assert_eq!(d.diagnostics.len(), 2);
    assert_eq!(d.diagnostics[0].message, "invalid UTF-8 replaced");
}

#[test]
fn hostile_inputs_never_panic() {
    let inputs = [
        "---",
        "---\n---",
        "---\n:\n---",
        "---\n? [a]\n: b\n---",
        "| | |\n|---|\n",
        "**",
        "**:**",
        "**Status**",
        "# \n#\n",
        "**Related Documents:**\n- \n- :\n",
        "## Status\n\n",
        "é**Status:** é",
        "**Status:** [x](",
        "**Related:** [a](b",
        "**Date:** 9999999999-99-99",
        "**Related:** ADR ",
        "\u{feff}# A",
        "# ADR-9999999: x",
        "Title\n===",
        "```\n# never closed",
    ];
    for text in inputs {
        let d = doc("adr/0001-x.md", text);
        assert_eq!(d.body.split('\n').count(), text.split('\n').count(), "{text:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Real-world repository forms

fn config_with(toml: &str) -> Config {
    crate::config::from_str(Path::new("/p"), toml).expect("valid config").0
}

#[test]
fn header_bullet_lists_in_their_spellings() {
    let c = config_with("[portal]\nkinds = [\"SE\"]\n[portal.folders]\nSE = \"proposals\"\n");
    let text = "# Async/await\n\n* Proposal: [SE-0296](0296-async-await.md)\n* Authors: [John Doe](https://x.io/j), [Ann Lee](https://x.io/a)\n* Status: **Implemented (Swift 5.5)**\n* Start Date: 2021-01-02\n\n## Introduction\n";
    let d = doc_with("proposals/0296-async-await.md", text, &c);
    assert_eq!((d.id.as_str(), d.status.as_deref()), ("SE-0296", Some("implemented")));
    assert_eq!(d.status_raw.as_deref(), Some("Implemented (Swift 5.5)"));
    assert_eq!(d.authors, ["John Doe", "Ann Lee"]);
    assert_eq!(d.created.as_deref(), Some("2021-01-02"));
    let d = doc("a.md", "# A\n\n* **Status**: Stable\n- Owner: Kim\n");
    assert_eq!(d.status.as_deref(), Some("stable"));
    assert!(warnings(&d).is_empty(), "an extended status is not warned about: {:?}", warnings(&d));
}

#[test]
fn section_h1s_are_not_titles_and_feature_name_is_the_fallback() {
    let text = "- Feature Name: `async_await`\n- Start Date: 2018-03-01\n\n# Summary\n\nText.\n\n# Motivation\n";
    let d = doc("rfcs/2394-async_await.md", text);
    assert_eq!(d.id, "RFC-2394");
    assert_eq!(d.title, "async_await");
    assert_eq!(body_line(&d, 4), "# Summary", "the section stays in the body");
    let d = doc("notes/no-title.md", "Status: Draft\n\nJust text.\n");
    assert_eq!(d.title, "No title");
}

#[test]
fn date_and_authors_sections_are_metadata() {
    let text = "# 3. Pick a queue\n\n## Status\n\nAccepted\n\n## Date\n\n2021-06-01\n\n## Authors\n\n- Dana Li\n- Eli Moss\n\n## Context\n\nWhy.\n";
    let d = doc("adr/0003-pick-a-queue.md", text);
    assert_eq!(d.created.as_deref(), Some("2021-06-01"));
    assert_eq!(d.authors, ["Dana Li", "Eli Moss"]);
    assert_eq!(body_line(&d, 9), "", "the date section went into the card");
    assert_eq!(body_line(&d, 16), "## Context");
    let prose = doc(
        "adr/0004-x.md",
        "# 4. X\n\n## Authors\n\nThe authors of this decision met several times over the summer to decide.\n",
    );
    assert!(prose.authors.is_empty(), "a prose section stays in the body");
}

#[test]
fn stage_is_the_status_only_when_none_is_stated() {
    let d = doc("a.md", "---\ntitle: A\nstage: beta\n---\n");
    assert_eq!(d.status.as_deref(), Some("beta"));
    let d = doc("a.md", "---\ntitle: A\nstatus: implementable\nstage: beta\n---\n");
    assert_eq!(d.status.as_deref(), Some("approved"));
}

#[test]
fn kind_named_fields_give_the_id_and_bare_numbers_their_kind() {
    let c = config_with("[portal]\nkinds = [\"EIP\"]\n");
    let d = doc_with("EIPS/x.md", "---\neip: 1559\ntitle: Fee market\nrequires: 2718, 2930\nstatus: Final\n---\n", &c);
    assert_eq!(d.id, "EIP-1559");
    assert_eq!(targets(&d, Relation::Related), ["EIP-2718", "EIP-2930"]);
    assert_eq!(d.status.as_deref(), Some("final"));
    let d = doc("adr/0001-x.md", "# X\n\n**Proposal:** Use Kafka everywhere\n");
    assert_eq!(d.id, "ADR-0001", "a free-text `Proposal` is not an id");
}

#[test]
fn kind_patterns_drive_metadata_ids_and_bare_numbers() {
    let c = config_with("[portal]\nkinds = [\"EIP\"]\n[portal.kind.EIP]\nid = \"EIP-{n}\"\n");
    let d = doc_with("EIPS/eip-20.md", "---\neip: 0020\ntitle: Token standard\nrequires: 165, EIP-0001\n---\n", &c);
    assert_eq!((d.id.as_str(), d.kind.as_deref()), ("EIP-20", Some("EIP")));
    assert_eq!(targets(&d, Relation::Related), ["EIP-165", "EIP-1"]);
    assert_eq!(doc_with("EIPS/eip-7.md", "# Gas\n", &c).id, "EIP-7", "the file name carries the id");

    let c = config_with("[portal]\nkinds = [\"gRFC\"]\n[portal.kind.gRFC]\nid = \"[AGLP]{n}\"\n");
    let d = doc_with("notes.md", "---\nid: L5\ntitle: Interceptors\nrelated: gRFC A27, G1\n---\n", &c);
    assert_eq!((d.id.as_str(), d.kind.as_deref()), ("gRFC-L5", Some("gRFC")));
    assert_eq!(targets(&d, Relation::Related), ["gRFC-A27", "gRFC-G1"]);
    let d = doc_with("x.md", "---\ngrfc: 27\ntitle: X\n---\n", &c);
    assert!(!d.numbered, "a number alone cannot say which letter: {}", d.id);
    let d = doc_with("A27-xds.md", "A27: xDS\n----\n* Status: Final\n", &c);
    assert_eq!((d.id.as_str(), d.title.as_str()), ("gRFC-A27", "xDS"));
}

#[test]
fn sidecar_fields_merge_first_and_the_folder_gives_the_id() {
    let c = config_with("[portal]\nkinds = [\"KEP\"]\n");
    let file = SourceFile {
        rel_path: "keps/sig-x/1672-endpoints/README.md".into(),
        abs_path: PathBuf::from("/p/content/keps/sig-x/1672-endpoints/README.md"),
        text: "# KEP-1672: Tracking endpoints\n\n**Status:** provisional\n\nBody.\n".into(),
        diagnostics: Vec::new(),
        sidecar: Some(crate::model::Sidecar {
            rel_path: "keps/sig-x/1672-endpoints/kep.yaml".into(),
            text: "title: Tracking terminating endpoints\nstatus: implemented\ncreation-date: 2023-02-30\nsee-also:\n  - \"/keps/sig-y/1234-x\"\n".into(),
        }),
    };
    let d = parse(&file, &c);
    assert_eq!(d.id, "KEP-1672");
    assert_eq!(d.title, "Tracking terminating endpoints");
    assert_eq!(d.status.as_deref(), Some("implemented"), "the sidecar wins");
    assert!(d.listed, "a folder doc's README is an entry");
    let date = d.diagnostics.iter().find(|x| x.message.contains("creation-date")).expect("date warning");
    assert_eq!((date.source.as_str(), date.line), ("keps/sig-x/1672-endpoints/kep.yaml", Some(3)));
    let see_also = d.refs.iter().find(|r| r.target == "/keps/sig-y/1234-x").expect("see-also ref");
    assert_eq!(see_also.line, None);
    assert_eq!(see_also.field.as_deref(), Some("see-also (kep.yaml line 5)"));
    let readme = doc("adr/README.md", "# Decisions\n\n**Status:** Accepted\n");
    assert!(!readme.listed, "a plain README is a page, not an entry");
}

#[test]
fn an_empty_file_is_listed_with_a_warning_saying_so() {
    for text in ["", "\n", "  \n\t\n"] {
        let d = doc("adr/0003-cache-eviction.md", text);
        assert_eq!((d.id.as_str(), d.title.as_str()), ("ADR-0003", "Cache eviction"));
        let said = warnings(&d);
        assert_eq!(said.len(), 1, "{text:?}: {said:?}");
        assert!(said[0].1.contains("the file is empty") && said[0].1.contains("`ADR-0003`"), "{said:?}");
    }
    // A heading alone, or metadata alone, is a doc begun: nothing to say.
    assert!(warnings(&doc("adr/0004-x.md", "# ADR-0004: X\n")).is_empty());
    assert!(warnings(&doc("adr/0005-y.md", "---\nstatus: draft\n---\n")).is_empty());
    // A template file is not listed, and not warned about.
    assert!(warnings(&doc("adr/template.md", "")).is_empty());
}
