//! Users, sessions and API tokens. Sessions and tokens are stored as
//! digests of their secrets only.

use sea_query::{Expr, ExprTrait, Order, Query};
use time::{Duration, OffsetDateTime};

use super::schema::{ApiTokens, Sessions, Users};
use super::{Db, DbError, Tx, now};
use crate::auth::Role;
use crate::domain::{TokenId, UserId};

/// A user as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// Row id.
    pub id: UserId,
    /// Sign-in name.
    pub username: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// What the user may do.
    pub role: Role,
}

fn user_columns() -> [Users; 4] {
    [Users::Id, Users::Username, Users::PasswordHash, Users::Role]
}

/// Adds a user; a taken username is a [`DbError::Conflict`].
pub async fn create(
    tx: &mut Tx,
    username: &str,
    password_hash: &str,
    role: Role,
) -> Result<UserId, DbError> {
    let stmt = Query::insert()
        .into_table(Users::Table)
        .columns([
            Users::Username,
            Users::PasswordHash,
            Users::Role,
            Users::CreatedAt,
        ])
        .values_panic([
            username.into(),
            password_hash.into(),
            role.as_str().into(),
            now().into(),
        ])
        .returning_col(Users::Id)
        .to_owned();
    let (id,): (UserId,) = tx.one(&stmt).await?;
    Ok(id)
}

/// Number of users (inside a transaction, for the first-owner check).
pub async fn count_in(tx: &mut Tx) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Users::Id).count())
        .from(Users::Table)
        .to_owned();
    Ok(tx.one::<(i64,)>(&stmt).await?.0)
}

/// Number of users.
pub async fn count(db: &Db) -> Result<i64, DbError> {
    let stmt = Query::select()
        .expr(Expr::col(Users::Id).count())
        .from(Users::Table)
        .to_owned();
    Ok(db.one::<(i64,)>(&stmt).await?.0)
}

/// An enabled user by name.
pub async fn find_by_name(db: &Db, username: &str) -> Result<Option<UserRow>, DbError> {
    let stmt = Query::select()
        .columns(user_columns())
        .from(Users::Table)
        .and_where(Expr::col(Users::Username).eq(username))
        .and_where(Expr::col(Users::DisabledAt).is_null())
        .to_owned();
    db.optional(&stmt).await
}

/// Starts a session for `user`, stored under the digest of its cookie value.
pub async fn create_session(
    tx: &mut Tx,
    digest: &str,
    user: UserId,
    idle: Duration,
) -> Result<(), DbError> {
    create_session_at(tx, digest, user, now(), idle).await
}

/// [`create_session`] as of `at`: the session expires at `at + idle`
/// (tests pass their own `at` to check the boundary).
pub async fn create_session_at(
    tx: &mut Tx,
    digest: &str,
    user: UserId,
    at: OffsetDateTime,
    idle: Duration,
) -> Result<(), DbError> {
    let at = super::stored_time(at);
    let stmt = Query::insert()
        .into_table(Sessions::Table)
        .columns([
            Sessions::Id,
            Sessions::UserId,
            Sessions::CreatedAt,
            Sessions::LastSeenAt,
            Sessions::ExpiresAt,
        ])
        .values_panic([
            digest.into(),
            user.into(),
            at.into(),
            at.into(),
            (at + idle).into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// A signed-in user with the session's last-seen time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    /// User id.
    pub id: UserId,
    /// Username.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// Last request seen on the session.
    pub last_seen_at: OffsetDateTime,
}

/// The user of a session unexpired at `at` (it expires at its
/// `expires_at`, not a moment later) whose account is enabled.
pub async fn session_user(
    db: &Db,
    digest: &str,
    at: OffsetDateTime,
) -> Result<Option<SessionUser>, DbError> {
    let stmt = Query::select()
        .expr(Expr::col((Users::Table, Users::Id)))
        .column((Users::Table, Users::Username))
        .column((Users::Table, Users::Role))
        .column((Sessions::Table, Sessions::LastSeenAt))
        .from(Sessions::Table)
        .inner_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((Sessions::Table, Sessions::UserId)),
        )
        .and_where(Expr::col((Sessions::Table, Sessions::Id)).eq(digest))
        .and_where(Expr::col((Sessions::Table, Sessions::ExpiresAt)).gt(at))
        .and_where(Expr::col((Users::Table, Users::DisabledAt)).is_null())
        .to_owned();
    db.optional(&stmt).await
}

/// Slides a session's idle expiry forward.
pub async fn touch_session(db: &Db, digest: &str, idle: Duration) -> Result<(), DbError> {
    let at = now();
    let stmt = Query::update()
        .table(Sessions::Table)
        .value(Sessions::LastSeenAt, at)
        .value(Sessions::ExpiresAt, at + idle)
        .and_where(Expr::col(Sessions::Id).eq(digest))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(db: &Db, digest: &str) -> Result<(), DbError> {
    let stmt = Query::delete()
        .from_table(Sessions::Table)
        .and_where(Expr::col(Sessions::Id).eq(digest))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Stores a new API token's digest; returns the token's id.
pub async fn create_token(
    tx: &mut Tx,
    name: &str,
    digest: &str,
    user: UserId,
) -> Result<i64, DbError> {
    let stmt = Query::insert()
        .into_table(ApiTokens::Table)
        .columns([
            ApiTokens::Name,
            ApiTokens::TokenHash,
            ApiTokens::UserId,
            ApiTokens::CreatedAt,
        ])
        .values_panic([name.into(), digest.into(), user.into(), now().into()])
        .returning_col(ApiTokens::Id)
        .to_owned();
    Ok(tx.one::<(i64,)>(&stmt).await?.0)
}

/// The user owning an unrevoked token.
pub async fn token_user(db: &Db, digest: &str) -> Result<Option<UserRow>, DbError> {
    let stmt = Query::select()
        .expr(Expr::col((Users::Table, Users::Id)))
        .column((Users::Table, Users::Username))
        .column((Users::Table, Users::PasswordHash))
        .column((Users::Table, Users::Role))
        .from(ApiTokens::Table)
        .inner_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((ApiTokens::Table, ApiTokens::UserId)),
        )
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::TokenHash)).eq(digest))
        .and_where(Expr::col((ApiTokens::Table, ApiTokens::RevokedAt)).is_null())
        .and_where(Expr::col((Users::Table, Users::DisabledAt)).is_null())
        .to_owned();
    db.optional(&stmt).await
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    /// Token id.
    pub id: TokenId,
    /// Its name.
    pub name: String,
    /// Owner's username.
    pub username: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
}

/// Every token, newest first.
pub async fn list_tokens(db: &Db) -> Result<Vec<TokenRow>, DbError> {
    let stmt = Query::select()
        .column((ApiTokens::Table, ApiTokens::Id))
        .column((ApiTokens::Table, ApiTokens::Name))
        .column((Users::Table, Users::Username))
        .column((ApiTokens::Table, ApiTokens::CreatedAt))
        .column((ApiTokens::Table, ApiTokens::RevokedAt))
        .from(ApiTokens::Table)
        .inner_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id)).equals((ApiTokens::Table, ApiTokens::UserId)),
        )
        .order_by((ApiTokens::Table, ApiTokens::Id), Order::Desc)
        .to_owned();
    db.all(&stmt).await
}

/// Revokes a token; `false` when there is no such live token.
pub async fn revoke_token(tx: &mut Tx, id: i64) -> Result<bool, DbError> {
    let stmt = Query::update()
        .table(ApiTokens::Table)
        .value(ApiTokens::RevokedAt, now())
        .and_where(Expr::col(ApiTokens::Id).eq(id))
        .and_where(Expr::col(ApiTokens::RevokedAt).is_null())
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// The owner, when there is exactly one.
pub async fn sole_owner(db: &Db) -> Result<Option<UserRow>, DbError> {
    let stmt = Query::select()
        .columns(user_columns())
        .from(Users::Table)
        .and_where(Expr::col(Users::Role).eq(Role::Owner))
        .and_where(Expr::col(Users::DisabledAt).is_null())
        .limit(2)
        .to_owned();
    let mut owners: Vec<UserRow> = db.all(&stmt).await?;
    Ok(if owners.len() == 1 {
        owners.pop()
    } else {
        None
    })
}
