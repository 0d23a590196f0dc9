//! The notice's first layer, for each example: under 250 words, no article
//! numbers, and its reading grade measured. The Children's Commissioner's,
//! read by children, is held to grade 7 or below; the figures are recorded
//! in docs/promises.md.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use custodian_policy::layered::first_layer;
use custodian_policy::{ServerCookies, load};

fn example(name: &str) -> custodian_policy::check::CheckedConfig {
    let path = format!("{}/../../examples/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    load(&path, &text, &ServerCookies::current()).unwrap()
}

#[test]
fn every_examples_first_layer_is_short_plain_and_measured() {
    for (name, most_grade) in [
        ("childrens-commissioner", 7.0),
        ("civil-service-jobs", 9.0),
        ("connexions", 9.0),
    ] {
        let layer = first_layer(&example(name));
        let (words, grade) = (layer.words(), layer.grade());
        println!("{name}: {words} words, Flesch-Kincaid grade {grade:.1}");
        assert!(words < 250, "{name}: {words} words:\n{}", layer.text);
        assert!(
            grade <= most_grade,
            "{name}: grade {grade:.1}:\n{}",
            layer.text
        );
        assert!(
            !layer.text.contains("Article"),
            "{name}: no article numbers"
        );
        for must in [
            "### Who we are",
            "### What we collect and why",
            "### Who sees it",
            "### Your rights",
            "We keep it",
        ] {
            assert!(layer.markdown.contains(must), "{name}: {must}");
        }
    }
}

#[test]
#[ignore = "prints the first layers, to read them"]
fn print_first_layers() {
    for name in ["childrens-commissioner", "civil-service-jobs", "connexions"] {
        println!("{}\n", first_layer(&example(name)).markdown);
    }
}

/// Nothing said twice: text a site wrote about a generated section's
/// subject opens that section instead of repeating it in one of its own;
/// a section that does not exist is refused where it is named.
#[test]
fn a_section_written_for_a_generated_one_opens_it_and_an_unknown_one_is_refused() {
    let checked = example("childrens-commissioner");
    let notice = custodian_policy::notice::body_markdown(&checked);
    let headings: Vec<&str> = notice.lines().filter(|l| l.starts_with("## ")).collect();
    assert!(
        !headings.iter().any(|h| h.contains("More about cookies")),
        "{headings:?}"
    );
    assert!(
        !headings
            .iter()
            .any(|h| h.contains("Seeing your information")),
        "{headings:?}"
    );
    let rights = notice.split("## Your rights").nth(1).unwrap();
    assert!(
        rights
            .trim_start()
            .starts_with("{#your-rights}\n\n### Seeing your information"),
        "{rights}"
    );

    let path = format!(
        "{}/../../examples/childrens-commissioner.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("within = \"cookies\"", "within = \"biscuits\"");
    let refused = load(&path, &text, &ServerCookies::current())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("there is no generated section `biscuits`"),
        "{refused}"
    );
    assert!(
        refused.contains("childrens-commissioner.toml:"),
        "{refused}"
    );
}
