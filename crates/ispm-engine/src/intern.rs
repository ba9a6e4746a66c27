//! Shared text for values that repeat across identities: user agents,
//! regions, services, ASN names, classification reasons and account ids.
//! A million identities name a few thousand distinct such values, so the
//! state keeps a reference-counted pointer to one copy of each. The pointer
//! is an [`ArcStr`], which takes 8 bytes where `Arc<str>` takes 16.
//!
//! Each shared text has a stable index, its position in the order texts were
//! added, so that the cold form of an identity (`crate::cold`) writes a
//! shared text as a small number and gets the same shared copy back.

use std::collections::HashMap;
use std::sync::Arc;

use arcstr::ArcStr;

/// Distinct texts shared at most. User agents come from the caller and can
/// take any value, so the table is capped: past the cap a new text gets a
/// copy of its own, which costs what an owned string costs. With user
/// agents cut to 256 bytes, a full table takes about 20 MiB.
const MAX_SHARED_TEXTS: usize = 1 << 16;

/// The engine's table of shared texts.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    /// In an `Arc`, so that an encode or decode of a cold state can lend
    /// the table to the serde code through a thread-local
    /// (`crate::cold::CodecScope`) without copying it. The lend ends before
    /// the interner can be borrowed mutably again, so `Arc::make_mut` in
    /// [`Interner::intern`] never copies the table.
    shared: Arc<SharedTexts>,
}

/// The shared texts, by index and by text. Entries are never removed, so an
/// index stays valid for the engine's lifetime.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedTexts {
    texts: Vec<ArcStr>,
    indexes: HashMap<ArcStr, u32, foldhash::fast::RandomState>,
}

impl SharedTexts {
    /// Returns the index of `text` when the table shares it.
    pub fn index_of(&self, text: &str) -> Option<u32> {
        self.indexes.get(text).copied()
    }

    /// Returns the shared copy at `index`.
    pub fn text_at(&self, index: u32) -> Option<&ArcStr> {
        self.texts.get(usize::try_from(index).ok()?)
    }
}

impl Interner {
    /// Returns the shared copy of `text`, adding it to the table when it is
    /// new and the table is not full.
    pub fn intern(&mut self, text: &str) -> ArcStr {
        if let Some(index) = self.shared.index_of(text)
            && let Some(shared) = self.shared.text_at(index)
        {
            return shared.clone();
        }
        let shared = ArcStr::from(text);
        if self.shared.texts.len() < MAX_SHARED_TEXTS {
            let table = Arc::make_mut(&mut self.shared);
            // The cap keeps the index within `u32`.
            let index = u32::try_from(table.texts.len()).unwrap_or(u32::MAX);
            table.texts.push(shared.clone());
            table.indexes.insert(shared.clone(), index);
        }
        shared
    }

    /// Returns a handle to the table, for [`crate::cold::CodecScope`].
    pub fn shared(&self) -> Arc<SharedTexts> {
        Arc::clone(&self.shared)
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
        assert_eq!(interner.shared().index_of("one more"), None);
    }

    #[test]
    fn shared_text_index_gives_back_the_same_copy() {
        let mut interner = Interner::default();
        let agent = interner.intern("aws-cli/2.15.0");
        let region = interner.intern("us-east-1");
        let shared = interner.shared();
        assert_eq!(shared.index_of("aws-cli/2.15.0"), Some(0));
        assert_eq!(shared.index_of("us-east-1"), Some(1));
        assert_eq!(shared.index_of("eu-west-1"), None);
        let found = shared.text_at(1).expect("index 1 is shared");
        assert!(ArcStr::ptr_eq(found, &region));
        assert!(ArcStr::ptr_eq(
            shared.text_at(0).expect("index 0 is shared"),
            &agent
        ));
        assert!(shared.text_at(2).is_none());
    }
}
