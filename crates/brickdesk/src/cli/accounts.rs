//! `brickdesk user …` and `brickdesk token …`.

use std::io::BufRead;

use anyhow::{Context, bail};
use serde_json::json;

use super::args::{TokenCommand, UserCommand};
use crate::auth::{parse_username, password, token};
use crate::db::{self, Db, audit};

/// Runs a `user` subcommand.
pub async fn user(db: &Db, cmd: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        name,
        role,
        password_stdin: _,
    } = cmd;
    let username = parse_username(&name)?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let hash = password::hash(line.trim_end_matches(['\r', '\n']))?;
    let mut tx = db.begin().await?;
    let id = match db::users::create(&mut tx, &username, &hash, role).await {
        Err(db::DbError::Conflict { .. }) => bail!("a user named '{username}' exists already"),
        other => other?,
    };
    let entry = audit::Entry {
        user: None,
        action: "user_create",
        entity_type: "user",
        entity_id: Some(id.to_string()),
        details: json!({ "username": username, "role": role.as_str(), "via": "cli" }),
    };
    audit::record(&mut tx, &entry).await?;
    tx.commit().await?;
    println!("user '{username}' ({}) created", role.as_str());
    Ok(())
}

/// Runs a `token` subcommand.
pub async fn token(db: &Db, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { name, user } => {
            let name = name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                bail!("a token name is 1 to 100 characters");
            }
            let owner = match user {
                Some(u) => db::users::find_by_name(db, &u)
                    .await?
                    .with_context(|| format!("no user named '{u}'"))?,
                None => db::users::sole_owner(db)
                    .await?
                    .context("name the user with --user (there is not exactly one owner)")?,
            };
            let secret = token::new_api_token();
            let owner_id = owner.id;
            let mut tx = db.begin().await?;
            let id =
                db::users::create_token(&mut tx, &name, &token::digest(&secret), owner_id).await?;
            let entry = audit::Entry {
                user: Some(owner_id),
                action: "token_create",
                entity_type: "api_token",
                entity_id: Some(id.to_string()),
                details: json!({ "name": name, "via": "cli" }),
            };
            audit::record(&mut tx, &entry).await?;
            tx.commit().await?;
            println!("{secret}");
            eprintln!(
                "token {id} '{name}' for {}: shown once; send it as `Authorization: Bearer …`",
                owner.username
            );
            Ok(())
        }
        TokenCommand::List => {
            for t in db::users::list_tokens(db).await? {
                let state = t
                    .revoked_at
                    .map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                println!(
                    "{:>4}  {:<24} {:<16} created {}  {state}",
                    t.id, t.name, t.username, t.created_at
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let mut tx = db.begin().await?;
            if !db::users::revoke_token(&mut tx, id).await? {
                bail!("no active token with id {id}");
            }
            let entry = audit::Entry {
                user: None,
                action: "token_revoke",
                entity_type: "api_token",
                entity_id: Some(id.to_string()),
                details: json!({ "via": "cli" }),
            };
            audit::record(&mut tx, &entry).await?;
            tx.commit().await?;
            println!("token {id} revoked");
            Ok(())
        }
    }
}
