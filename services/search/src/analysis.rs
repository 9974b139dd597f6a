//! Swedish text analysis for the embedded index.
//!
//! - `sv_stem`: words split on anything not a letter or digit (so "e-arkivet" gives "e"
//!   and "arkivet"), lower-cased, other languages' diacritics folded (é → e) while å, ä
//!   and ö stay letters of their own, Swedish stop words removed, Snowball Swedish
//!   stemming ("hemtjänsten" → "hemtjänst").
//! - `sv_folded`: the same words unstemmed and folded to ASCII (å → a), for matching
//!   text typed without Swedish letters and for typo tolerance.
//! - compound parts: the trailing parts of long words ("hemsjukvården" → "sjukvården",
//!   "vården"...), indexed with `sv_stem` so "sjukvård" finds "hemsjukvård".

use std::mem;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Name of the stemming analyzer.
pub const STEMMED: &str = "sv_stem";
/// Name of the folded, unstemmed analyzer.
pub const FOLDED: &str = "sv_folded";

/// Words shorter than this are not split into compound parts.
const MIN_COMPOUND_LEN: usize = 8;
/// The shortest trailing part indexed.
const MIN_PART_LEN: usize = 4;

/// The stemming analyzer.
pub fn stemmed() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(ForeignDiacritics)
        .filter(StopWordFilter::new(Language::Swedish).expect("tantivy ships Swedish stop words"))
        .filter(Stemmer::new(Language::Swedish))
        .build()
}

/// The folded analyzer.
pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(StopWordFilter::new(Language::Swedish).expect("tantivy ships Swedish stop words"))
        .filter(AsciiFoldingFilter)
        .build()
}

/// Runs `analyzer` over `text` and returns the terms.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Like [`terms`], with each term's position (stop words leave gaps).
pub fn positioned_terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push((stream.token().position, stream.token().text.clone()));
    }
    out
}

/// The trailing parts of the long words of `text`, as text for the compound field.
pub fn compound_parts(text: &str) -> String {
    let mut out = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() < MIN_COMPOUND_LEN {
            continue;
        }
        for start in 1..=chars.len() - MIN_PART_LEN {
            out.extend(&chars[start..]);
            out.push(' ');
        }
    }
    out
}

/// Folds the diacritics of other languages (é, è, ü, ø, æ...) but keeps å, ä and ö,
/// which are letters of their own in Swedish ("får" and "far" are different words).
#[derive(Clone)]
pub struct ForeignDiacritics;

impl TokenFilter for ForeignDiacritics {
    type Tokenizer<T: Tokenizer> = ForeignDiacriticsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> Self::Tokenizer<T> {
        ForeignDiacriticsFilter {
            tokenizer,
            buffer: String::new(),
        }
    }
}

/// The tokenizer [`ForeignDiacritics`] produces.
#[derive(Clone)]
pub struct ForeignDiacriticsFilter<T> {
    tokenizer: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for ForeignDiacriticsFilter<T> {
    type TokenStream<'a> = ForeignDiacriticsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.buffer.clear();
        ForeignDiacriticsStream {
            tail: self.tokenizer.token_stream(text),
            buffer: &mut self.buffer,
        }
    }
}

/// The token stream of [`ForeignDiacriticsFilter`].
pub struct ForeignDiacriticsStream<'a, T> {
    buffer: &'a mut String,
    tail: T,
}

impl<T: TokenStream> TokenStream for ForeignDiacriticsStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        if !self.tail.token().text.is_ascii() {
            self.buffer.clear();
            self.buffer
                .extend(self.tail.token().text.chars().map(fold_foreign));
            mem::swap(&mut self.tail.token_mut().text, self.buffer);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Lower-case letters with a foreign diacritic, mapped to the letter Swedish writes.
fn fold_foreign(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ā' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'ē' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ç' => 'c',
        'ñ' => 'n',
        'æ' => 'ä',
        'ø' => 'ö',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stemming_finds_inflected_swedish() {
        let mut a = stemmed();
        assert_eq!(terms(&mut a, "hemtjänsten"), terms(&mut a, "hemtjänst"));
        assert_eq!(terms(&mut a, "e-arkivet"), terms(&mut a, "e-arkiv"));
        assert_eq!(terms(&mut a, "Kommunerna"), terms(&mut a, "kommun"));
    }

    #[test]
    fn swedish_letters_stay_and_foreign_diacritics_fold() {
        let mut a = stemmed();
        assert_eq!(terms(&mut a, "café"), terms(&mut a, "cafe"));
        assert_ne!(terms(&mut a, "får"), terms(&mut a, "far"));
        let mut f = folded();
        assert_eq!(terms(&mut f, "Ärendehantering"), vec!["arendehantering"]);
    }

    #[test]
    fn stop_words_are_dropped() {
        let mut a = stemmed();
        assert_eq!(
            terms(&mut a, "system för och i skolan"),
            terms(&mut a, "system skolan")
        );
    }

    #[test]
    fn compound_parts_hold_the_trailing_words() {
        let parts = compound_parts("hemsjukvården och IoT");
        assert!(parts.split(' ').any(|p| p == "sjukvården"));
        assert!(parts.split(' ').any(|p| p == "vården"));
        assert!(!parts.contains("IoT"), "short words are not split");
    }
}
