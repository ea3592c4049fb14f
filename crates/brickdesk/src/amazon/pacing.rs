//! Amazon calls made by a job: the job shows `rate_limited` (with the
//! time work resumes) while the client backs off after a 429, waits out
//! a `QuotaExceeded` that outlasted the client's retries, and stops at
//! once when the job is stopped (the client's waits are cancellable).

use std::future::Future;
use std::time::Duration;

use spapi::{Client, Operation};

use crate::jobs::{Job, JobContext, JobError};

/// How long to wait after Amazon kept answering 429 through every retry
/// (divided by the client's rate scale against a time-scaled simulator).
const QUOTA_PAUSE: Duration = Duration::from_secs(60);

/// How often the limiter is looked at while a call is in flight.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// Calls `call` (again after a quota pause) until it succeeds or fails
/// otherwise, reflecting 429 back-offs in the job's state. A stop comes
/// back as `Err(JobError::Cancelled)`; Amazon's other errors as `Ok(Err(_))`.
pub async fn call<J: Job, T, F, Fut>(
    ctx: &JobContext<J>,
    client: &Client,
    op: Operation,
    mut call: F,
) -> Result<Result<T, spapi::Error>, JobError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, spapi::Error>>,
{
    let mut limited = false;
    loop {
        let fut = call();
        tokio::pin!(fut);
        let result = loop {
            tokio::select! {
                r = &mut fut => break r,
                () = tokio::time::sleep(WATCH_EVERY) => {
                    let state = client.limiter_state(op);
                    if state.throttled != limited {
                        limited = state.throttled;
                        ctx.set_rate_limited(limited.then(|| state.resume_at())).await?;
                    }
                }
            }
        };
        match result {
            Err(spapi::Error::Cancelled) => return Err(JobError::Cancelled),
            Err(spapi::Error::QuotaExceeded(e)) => {
                tracing::warn!(operation = op.name(), error = %e, "quota exceeded; pausing");
                let scale = client.config().rate_scale.max(1.0);
                let pause = QUOTA_PAUSE
                    .div_f64(scale)
                    .max(client.limiter_state(op).wait);
                ctx.set_rate_limited(Some(time::OffsetDateTime::now_utc() + pause))
                    .await?;
                limited = true;
                tokio::select! {
                    () = ctx.cancel_token().cancelled() => return Err(JobError::Cancelled),
                    () = tokio::time::sleep(pause) => {}
                }
            }
            other => {
                if limited {
                    ctx.set_rate_limited(None).await?;
                }
                return Ok(other);
            }
        }
    }
}
