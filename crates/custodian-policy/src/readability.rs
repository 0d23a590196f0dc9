//! How hard a text is to read: the Flesch-Kincaid grade level, the school
//! grade (US) a reader needs. Grade 7 is about age 12 to 13. Used to hold
//! the notice's first layer to words a 13-year-old can read.

/// The Flesch-Kincaid grade of plain text:
/// `0.39 × words per sentence + 11.8 × syllables per word − 15.59`.
/// A sentence ends at `.`, `!`, `?` or a line break (a heading or a list
/// item is a sentence to its reader). Zero for a text with no words.
pub fn flesch_kincaid_grade(text: &str) -> f64 {
    let mut sentences = 0usize;
    let mut words = 0usize;
    let mut syllables = 0usize;
    for sentence in text.split(['.', '!', '?', '\n']) {
        let in_it: Vec<&str> = sentence
            .split(|c: char| c.is_whitespace() || c == '/' || c == '-')
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        if in_it.is_empty() {
            continue;
        }
        sentences += 1;
        words += in_it.len();
        syllables += in_it.iter().map(|w| syllables_in(w)).sum::<usize>();
    }
    if words == 0 {
        return 0.0;
    }
    let (s, w, y) = (sentences as f64, words as f64, syllables as f64);
    0.39 * (w / s) + 11.8 * (y / w) - 15.59
}

/// The number of words in plain text.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Syllables in one English word, by its groups of vowels: close enough for
/// a grade level (the usual estimate), never less than one.
fn syllables_in(word: &str) -> usize {
    let word = word.to_lowercase();
    let letters: Vec<char> = word.chars().filter(char::is_ascii_alphabetic).collect();
    if letters.is_empty() {
        return 1;
    }
    let vowel = |c: char| matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let mut count = 0;
    let mut previous = false;
    for &c in &letters {
        let v = vowel(c);
        if v && !previous {
            count += 1;
        }
        previous = v;
    }
    // A silent final "e" ("take", "use"), but not "-le" ("table").
    let n = letters.len();
    if n > 2 && letters[n - 1] == 'e' && letters[n - 2] != 'l' && !vowel(letters[n - 2]) {
        count -= 1;
    }
    // "-ed" after anything but t or d is not a syllable ("asked").
    if n > 3
        && letters[n - 2] == 'e'
        && letters[n - 1] == 'd'
        && !matches!(letters[n - 3], 't' | 'd')
    {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_are_counted_as_a_reader_hears_them() {
        for (word, n) in [
            ("we", 1),
            ("use", 1),
            ("take", 1),
            ("table", 2),
            ("asked", 1),
            ("wanted", 2),
            ("information", 4),
            ("privacy", 3),
            ("you", 1),
        ] {
            assert_eq!(syllables_in(word), n, "{word}");
        }
    }

    #[test]
    fn short_plain_sentences_read_young_and_long_latinate_ones_old() {
        let plain = "We keep your message. We use it to help you. You can ask us to delete it.";
        let hard = "Notwithstanding the aforementioned considerations, personal information is processed in accordance with applicable legislative requirements, including international transfers subject to appropriate safeguards.";
        assert!(
            flesch_kincaid_grade(plain) < 3.0,
            "{}",
            flesch_kincaid_grade(plain)
        );
        assert!(
            flesch_kincaid_grade(hard) > 16.0,
            "{}",
            flesch_kincaid_grade(hard)
        );
        assert_eq!(flesch_kincaid_grade(""), 0.0);
        assert_eq!(word_count("We keep it: 1 year."), 5);
    }
}
