//! `brickdesk amazon connect` and `brickdesk amazon test`: connect a
//! server to Amazon without a browser.

use std::io::BufRead;

use anyhow::{Context, bail};

use super::args::{AmazonArgs, AmazonCommand, ConnectArgs, GlobalArgs};
use crate::amazon::connection::{explain, test_connection};
use crate::amazon::credentials::{self, Credentials};
use crate::auth::secrets::SecretBox;
use crate::db::Db;

/// Where `connect` reads the client secret.
pub const CLIENT_SECRET_VAR: &str = "BRICKDESK_AMAZON_CLIENT_SECRET";
/// Where `connect` reads the refresh token.
pub const REFRESH_TOKEN_VAR: &str = "BRICKDESK_AMAZON_REFRESH_TOKEN";

/// Runs an `amazon` subcommand.
pub async fn run(global: &GlobalArgs, db: &Db, cmd: AmazonCommand) -> anyhow::Result<()> {
    let secrets = SecretBox::load_or_create(global.secret_key.as_deref(), &global.data_dir)?;
    match cmd {
        AmazonCommand::Connect(args) => connect(db, &secrets, args).await,
        AmazonCommand::Test(amazon) => test(db, &secrets, &amazon).await,
    }
}

async fn connect(db: &Db, secrets: &SecretBox, args: ConnectArgs) -> anyhow::Result<()> {
    let client_id = args.client_id.trim().to_owned();
    if client_id.is_empty() {
        bail!("--client-id must not be empty");
    }
    let marketplace_ids = credentials::parse_marketplaces(args.region, &args.marketplaces)
        .map_err(|e| anyhow::anyhow!("--marketplaces: {e}"))?;
    let mut input = std::io::stdin().lock();
    let client_secret = secret(CLIENT_SECRET_VAR, "LWA client secret", &mut input)?;
    let refresh_token = secret(REFRESH_TOKEN_VAR, "Refresh token", &mut input)?;
    let creds = Credentials {
        client_id,
        client_secret,
        refresh_token,
        region: args.region,
        marketplace_ids,
    };
    credentials::save(db, secrets, &creds, None).await?;
    println!(
        "Amazon credentials stored (region {}, marketplaces {}).",
        creds.region.code(),
        creds.marketplace_ids.join(",")
    );
    test(db, secrets, &args.amazon).await
}

/// A secret from the environment variable `var`, else the next line of
/// `input` (asked for on standard error).
fn secret(var: &str, what: &str, input: &mut impl BufRead) -> anyhow::Result<String> {
    if let Ok(value) = std::env::var(var)
        && !value.trim().is_empty()
    {
        return Ok(value.trim().to_owned());
    }
    eprintln!("{what} ({var} is not set), then Enter:");
    let mut line = String::new();
    input
        .read_line(&mut line)
        .with_context(|| format!("reading the {what} from standard input"))?;
    let value = line.trim();
    if value.is_empty() {
        bail!("no {what} given: set {var} or type it on standard input");
    }
    Ok(value.to_owned())
}

async fn test(db: &Db, secrets: &SecretBox, amazon: &AmazonArgs) -> anyhow::Result<()> {
    let client = super::jobs::setup(amazon)
        .client(db, secrets)
        .await?
        .context("Amazon is not connected: run `brickdesk amazon connect` first")?;
    match test_connection(&client).await {
        Ok(message) => {
            println!("{message}");
            Ok(())
        }
        Err(e) => bail!("{}", explain(&e)),
    }
}
