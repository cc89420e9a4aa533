//! Field names: which canonical meaning a label such as `Last Updated` or `relatedPRD` has.
//!
//! Labels are compared by their lower-cased letters and digits only, so `Last Updated`,
//! `last_updated`, `lastUpdated` and `LAST-UPDATED` are one name. A [`RawField`] is one
//! `label: value` pair as some metadata style found it, before any interpretation; the
//! parent module turns a list of them into a `Doc`.

/// The canonical meaning of a metadata field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Title,
    /// `Feature Name`: the title when the doc has no title of its own.
    AltTitle,
    Id,
    Kind,
    Status,
    /// `stage` (`alpha`, `beta`, `stable`): the status when the doc states none.
    Stage,
    Authors,
    Reviewers,
    Created,
    Updated,
    Version,
    Project,
    Related,
    Supersedes,
    SupersededBy,
    /// `Amends`, `Clarifies`, `Implements` and their inverses: related refs that keep their label.
    Amends,
    /// A field docportal shows on the card but does not interpret.
    Other,
}

impl Key {
    /// The name used in `MetaField::key`; `None` for [`Key::Other`] (the label is used).
    pub fn canonical_name(self) -> Option<&'static str> {
        Some(match self {
            Key::Title => "title",
            Key::AltTitle => "feature_name",
            Key::Id => "id",
            Key::Kind => "kind",
            Key::Status => "status",
            Key::Stage => "stage",
            Key::Authors => "authors",
            Key::Reviewers => "reviewers",
            Key::Created => "created",
            Key::Updated => "updated",
            Key::Version => "version",
            Key::Project => "project",
            Key::Related | Key::Amends => "related",
            Key::Supersedes => "supersedes",
            Key::SupersededBy => "superseded_by",
            Key::Other => return None,
        })
    }

    /// True for fields whose values are document references.
    pub fn is_reference(self) -> bool {
        matches!(self, Key::Related | Key::Supersedes | Key::SupersededBy | Key::Amends)
    }
}

/// One `label: value` pair as written, with the line of each value item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawField {
    pub key: Key,
    /// The label as the author wrote it (`Last Updated`, `relatedPRD`).
    pub label: String,
    /// 1-based file line of the label.
    pub line: u32,
    /// The value: one item for a scalar, one per element for a list. Each item has its
    /// own 1-based file line. Items are raw text (Markdown links and emphasis included).
    pub items: Vec<(String, u32)>,
}

impl RawField {
    pub fn scalar(label: &str, value: &str, line: u32, kinds: &[String]) -> RawField {
        RawField { key: classify(label, kinds), label: label.to_string(), line, items: vec![(value.to_string(), line)] }
    }
}

/// Lower-cased ASCII letters and digits of a label (other scripts kept, lower-cased).
pub fn fold_label(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The canonical meaning of a field label. `kinds` makes `PRD:` or `ADRs:` a related field.
pub fn classify(label: &str, kinds: &[String]) -> Key {
    let folded = fold_label(label);
    classify_folded(&folded, kinds)
}

fn classify_folded(folded: &str, kinds: &[String]) -> Key {
    match folded {
        "title" | "doctitle" | "documenttitle" => Key::Title,
        "featurename" => Key::AltTitle,
        "id" | "docid" | "documentid" | "identifier" | "number" | "proposal" | "proposalid" | "proposalnumber" => {
            Key::Id
        }
        "stage" | "maturity" => Key::Stage,
        "kind" | "type" | "doctype" | "documenttype" => Key::Kind,
        "status" | "state" | "docstatus" | "documentstatus" | "decisionstatus" => Key::Status,
        "author" | "authors" | "deciders" | "decider" | "decisionmakers" | "owner" | "owners" | "createdby"
        | "writtenby" | "authoredby" => Key::Authors,
        "reviewer" | "reviewers" | "reviewedby" | "approver" | "approvers" | "reviewmanager" | "reviewmanagers"
        | "shepherd" | "shepherds" => Key::Reviewers,
        "date" | "created" | "createdat" | "createdon" | "datecreated" | "creationdate" | "createddate"
        | "startdate" | "proposeddate" | "datesubmitted" | "submitted" => Key::Created,
        "updated" | "lastupdated" | "lastmodified" | "modified" | "updatedat" | "updatedon" | "lastupdate"
        | "dateupdated" | "datemodified" | "lastedited" | "lastrevised" | "revised" => Key::Updated,
        "version" | "docversion" | "documentversion" | "revision" => Key::Version,
        "project" => Key::Project,
        "supersedes" | "replaces" | "obsoletes" => Key::Supersedes,
        "supersededby" | "replacedby" | "obsoletedby" => Key::SupersededBy,
        "amends" | "amendedby" | "clarifies" | "clarifiedby" | "extends" | "extendedby" | "implements"
        | "implementedby" => Key::Amends,
        "references" | "seealso" | "dependson" | "links" | "relateddocuments" | "requires" | "requiredby"
        | "previousproposal" | "previousproposals" | "previousrevision" | "relatedproposals" => Key::Related,
        f if f.starts_with("related") => Key::Related,
        // `kep-number`, `eipId`: the doc's own number under a kind's name.
        f if ["number", "id", "no"].iter().any(|s| f.strip_suffix(s).is_some_and(|k| is_single_kind(k, kinds))) => {
            Key::Id
        }
        f if is_kind_name(f, kinds) => Key::Related,
        _ => Key::Other,
    }
}

/// `eip`, `kep`: exactly a configured kind (not its plural).
pub fn is_single_kind(folded: &str, kinds: &[String]) -> bool {
    !folded.is_empty() && kinds.iter().any(|k| k.eq_ignore_ascii_case(folded))
}

/// `prd`, `adrs`: a configured kind or its plural used as a label.
fn is_kind_name(folded: &str, kinds: &[String]) -> bool {
    let single = folded.strip_suffix('s').unwrap_or(folded);
    kinds.iter().any(|k| k.eq_ignore_ascii_case(folded) || k.eq_ignore_ascii_case(single))
}

/// Headings whose section holds metadata (`## Metadata`, `## Document Information`).
pub fn is_metadata_heading(text: &str) -> bool {
    matches!(
        fold_label(text).as_str(),
        "metadata"
            | "documentinformation"
            | "documentinfo"
            | "docinfo"
            | "documentmetadata"
            | "documentdetails"
            | "documentcontrol"
            | "documentproperties"
            | "properties"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds() -> Vec<String> {
        crate::config::DEFAULT_KINDS.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn synonyms_match_case_insensitively() {
        let k = kinds();
        for (label, key) in [
            ("Author", Key::Authors),
            ("authors", Key::Authors),
            ("deciders", Key::Authors),
            ("Owner", Key::Authors),
            ("Reviewers", Key::Reviewers),
            ("Date", Key::Created),
            ("Created", Key::Created),
            ("created", Key::Created),
            ("Last Updated", Key::Updated),
            ("lastModified", Key::Updated),
            ("updated", Key::Updated),
            ("Modified", Key::Updated),
            ("Related PRD", Key::Related),
            ("relatedPRD", Key::Related),
            ("Related ADR", Key::Related),
            ("Related RFC", Key::Related),
            ("Related", Key::Related),
            ("Related Documents", Key::Related),
            ("ADRs", Key::Related),
            ("PRD", Key::Related),
            ("Supersedes", Key::Supersedes),
            ("Replaces", Key::Supersedes),
            ("Superseded by", Key::SupersededBy),
            ("Superseded-by", Key::SupersededBy),
            ("Replaced by", Key::SupersededBy),
            ("Amends", Key::Amends),
            ("Version", Key::Version),
            ("STATUS", Key::Status),
            ("ID", Key::Id),
            ("Id", Key::Id),
            ("Title", Key::Title),
            ("Type", Key::Kind),
            ("Kind", Key::Kind),
            ("Project", Key::Project),
            ("Start Date", Key::Created),
            ("creation-date", Key::Created),
            ("Feature Name", Key::AltTitle),
            ("stage", Key::Stage),
            ("Review Manager", Key::Reviewers),
            ("approvers", Key::Reviewers),
            ("requires", Key::Related),
            ("see-also", Key::Related),
            ("adr-number", Key::Id),
            ("Proposal", Key::Id),
            ("Technology", Key::Other),
            ("Purpose", Key::Other),
        ] {
            assert_eq!(classify(label, &k), key, "{label}");
        }
    }

    #[test]
    fn metadata_headings_are_recognised() {
        assert!(is_metadata_heading("Metadata"));
        assert!(is_metadata_heading("Document Information"));
        assert!(!is_metadata_heading("1. Overview"));
    }
}
