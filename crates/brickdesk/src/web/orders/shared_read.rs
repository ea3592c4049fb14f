//! One read shared by the callers that ask while another is under way,
//! without handing any caller a read that began before it asked.

use std::future::Future;
use std::sync::{Arc, Mutex};

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

/// Reads shared by the callers that arrive while one is under way. A
/// caller joins the next read, which begins only after the one under way
/// has ended, so each caller still gets a read that began after it asked,
/// with one read for many callers instead of one each.
pub(super) struct SharedReads<T> {
    /// The next read, open for callers to join until it begins.
    next: Mutex<Option<SharedRead<T>>>,
    /// Held by the read under way.
    turn: tokio::sync::Mutex<()>,
}

/// A read's value, or `None` when it failed.
type SharedRead<T> = Shared<BoxFuture<'static, Option<T>>>;

impl<T> Default for SharedReads<T> {
    fn default() -> Self {
        SharedReads {
            next: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
        }
    }
}

impl<T> std::fmt::Debug for SharedReads<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedReads").finish_non_exhaustive()
    }
}

impl<T: Clone + Send + Sync + 'static> SharedReads<T> {
    /// The value of a read that begins after this call: the next read,
    /// shared with every caller that joins it before it begins. `read` is
    /// that read when this caller is the one that opens it; otherwise it
    /// is dropped unpolled.
    pub(super) async fn after_now(
        self: &Arc<Self>,
        read: impl Future<Output = Option<T>> + Send + 'static,
    ) -> Option<T> {
        let shared = {
            let mut next = lock(&self.next);
            next.get_or_insert_with(|| {
                let reads = self.clone();
                async move {
                    let _turn = reads.turn.lock().await;
                    // From here on, newcomers wait for the read after this.
                    lock(&reads.next).take();
                    read.await
                }
                .boxed()
                .shared()
            })
            .clone()
        };
        shared.await
    }
}

/// A panic while holding the lock leaves a whole entry or none.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::Poll;

    use futures::poll;
    use tokio::sync::oneshot;

    use super::*;

    #[tokio::test]
    async fn a_caller_never_gets_a_read_that_began_before_it_asked() {
        let reads = Arc::new(SharedReads::<u32>::default());
        let (release_first, first) = oneshot::channel();
        let mut a = pin!(reads.after_now(async { first.await.ok() }));
        assert!(poll!(&mut a).is_pending(), "a's read is under way");

        // b asks while a's read is under way, c with b: they share the
        // next read, b's; c's own read never runs.
        let (release_second, second) = oneshot::channel();
        let mut b = pin!(reads.after_now(async { second.await.ok() }));
        assert!(poll!(&mut b).is_pending());
        let mut c = pin!(reads.after_now(async { Some(99) }));
        assert!(poll!(&mut c).is_pending());

        release_first.send(1).expect("a waits");
        assert_eq!(a.await, Some(1));
        assert!(poll!(&mut b).is_pending(), "b's read begins after a's");
        release_second.send(2).expect("b waits");
        assert_eq!(poll!(&mut b), Poll::Ready(Some(2)));
        assert_eq!(c.await, Some(2));

        // With no read under way, a caller's read begins at once.
        assert_eq!(reads.after_now(async { Some(3) }).await, Some(3));
    }
}
