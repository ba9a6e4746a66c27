//! Shared text for values that repeat across identities: user agents,
//! regions, services, ASN names, classification reasons and account ids.
//! A million identities name a few thousand distinct such values, so the
//! state keeps a reference-counted pointer to one copy of each. The pointer
//! is an [`ArcStr`], which takes 8 bytes where `Arc<str>` takes 16.

use std::collections::HashSet;

use arcstr::ArcStr;

/// Distinct texts shared at most. User agents come from the caller and can
/// take any value, so the table is capped: past the cap a new text gets a
/// copy of its own, which costs what an owned string costs. With user
/// agents cut to 256 bytes, a full table takes about 20 MiB.
const MAX_SHARED_TEXTS: usize = 1 << 16;

/// The engine's table of shared texts.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    texts: HashSet<ArcStr, foldhash::fast::RandomState>,
}

impl Interner {
    /// Returns the shared copy of `text`, adding it to the table when it is
    /// new and the table is not full.
    pub fn intern(&mut self, text: &str) -> ArcStr {
        if let Some(shared) = self.texts.get(text) {
            return shared.clone();
        }
        let shared = ArcStr::from(text);
        if self.texts.len() < MAX_SHARED_TEXTS {
            self.texts.insert(shared.clone());
        }
        shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interner_shares_one_copy_per_text() {
        let mut interner = Interner::default();
        let first = interner.intern("aws-cli/2.15.0");
        let second = interner.intern("aws-cli/2.15.0");
        assert!(ArcStr::ptr_eq(&first, &second));
        assert_eq!(&*interner.intern("us-east-1"), "us-east-1");
        assert!(!ArcStr::ptr_eq(&first, &interner.intern("aws-cli/2.16.0")));
    }

    #[test]
    fn interner_copies_texts_past_its_cap() {
        let mut interner = Interner::default();
        for index in 0..MAX_SHARED_TEXTS {
            interner.intern(&index.to_string());
        }
        let first = interner.intern("one more");
        let second = interner.intern("one more");
        assert_eq!(first, second);
        assert!(!ArcStr::ptr_eq(&first, &second));
        assert!(ArcStr::ptr_eq(&interner.intern("7"), &interner.intern("7")));
    }
}
