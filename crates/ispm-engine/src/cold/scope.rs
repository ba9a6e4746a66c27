//! The context that the serde code of a cold state reads while one state is
//! encoded or decoded: the engine's shared texts and the base time.
//!
//! Derived `Serialize` and `Deserialize` impls take no arguments, so the
//! field encodings in [`super::fields`] read this context from a
//! thread-local. [`CodecScope`] is the only way to set it: it installs the
//! context when created and removes it when dropped, also on a panic.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::Arc;

use ispm_model::EventTime;

use crate::intern::{Interner, SharedTexts};

/// The shared texts and base time of one encode or decode.
pub(super) struct Context {
    pub texts: Arc<SharedTexts>,
    /// Times are written as their difference to this one, the identity's
    /// last event, because most of an identity's times lie near it.
    pub base: i64,
}

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// Runs `read` with the context of the current scope, or `None` outside
/// any scope. Field encodings outside a scope fall back to a form that
/// needs no context (texts inline, times relative to 0), so a value
/// encoded outside a scope still decodes outside one.
pub(super) fn with_context<R>(read: impl FnOnce(Option<&Context>) -> R) -> R {
    CONTEXT.with(|context| read(context.borrow().as_ref()))
}

/// Sets the base time of the current scope.
pub(super) fn set_base(base: i64) {
    CONTEXT.with(|context| {
        if let Some(context) = context.borrow_mut().as_mut() {
            context.base = base;
        }
    });
}

/// A scope in which cold states can be encoded and decoded against one
/// engine's shared texts. It borrows the interner, so no text can be
/// added while it is open, and it is not `Send`, because it sets a
/// thread-local of the thread that created it.
pub(crate) struct CodecScope<'a> {
    /// The context of an enclosing scope, put back on drop.
    outer: Option<Context>,
    _interner: PhantomData<&'a Interner>,
    _not_send: PhantomData<*const ()>,
}

impl<'a> CodecScope<'a> {
    pub fn enter(interner: &'a Interner) -> Self {
        let context = Context {
            texts: interner.shared(),
            base: 0,
        };
        let outer = CONTEXT.with(|slot| slot.borrow_mut().replace(context));
        CodecScope {
            outer,
            _interner: PhantomData,
            _not_send: PhantomData,
        }
    }

    /// Sets the time that the following encode or decode writes or reads
    /// times relative to.
    pub(super) fn set_base(&self, base: EventTime) {
        set_base(base.millis());
    }
}

impl Drop for CodecScope<'_> {
    fn drop(&mut self) {
        let outer = self.outer.take();
        CONTEXT.with(|slot| *slot.borrow_mut() = outer);
    }
}
