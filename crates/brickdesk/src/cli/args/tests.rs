//! Parsing the command line: its shape, the default command, and the
//! typed configuration it resolves to.

use super::*;

fn parse(args: &[&str]) -> Cli {
    Cli::parse_args_with_default(args.iter().map(std::ffi::OsString::from).collect())
}

fn try_parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(args)
}

#[test]
fn the_command_line_is_well_formed() {
    use clap::CommandFactory;
    Cli::command().debug_assert();
}

#[test]
fn serve_is_the_default_with_or_without_its_flags() {
    for args in [
        &["brickdesk"][..],
        &["brickdesk", "--addr", "127.0.0.1:4000"],
        &["brickdesk", "--data-dir", "/tmp/x", "--demo", "off"],
    ] {
        assert!(
            matches!(parse(args).command, Some(Command::Serve(_))),
            "{args:?}"
        );
    }
    let Some(Command::Serve(serve)) = parse(&["brickdesk", "--addr", "127.0.0.1:4000"]).command
    else {
        panic!("serve");
    };
    assert_eq!(serve.addr.port(), 4000);
    let cli = parse(&["brickdesk", "--data-dir", "/tmp/x", "migrate"]);
    assert!(matches!(cli.command, Some(Command::Migrate)));
    assert_eq!(cli.global.data_dir, std::path::PathBuf::from("/tmp/x"));
}

#[test]
fn serve_resolves_to_a_typed_config() {
    let cli = parse(&["brickdesk", "--time-zone", "Asia/Tokyo", "--demo", "on"]);
    let Some(Command::Serve(serve)) = &cli.command else {
        panic!("serve");
    };
    let config = serve.resolve(&cli.global).expect("config");
    assert_eq!(config.time_zone.name(), "Asia/Tokyo");
    assert_eq!(config.demo, DemoMode::On);
    let cli = parse(&["brickdesk", "--time-zone", "Mars/Olympus"]);
    let Some(Command::Serve(serve)) = &cli.command else {
        panic!("serve");
    };
    assert!(matches!(
        serve.resolve(&cli.global),
        Err(ConfigError::TimeZone(name)) if name == "Mars/Olympus"
    ));
}

#[test]
fn schedules_default_to_every_15_minutes_and_a_day() {
    let resolve = |args: &[&str]| {
        let cli = parse(args);
        let Some(Command::Serve(serve)) = &cli.command else {
            panic!("serve");
        };
        serve.resolve(&cli.global)
    };
    let minutes = |m: u64| Some(std::time::Duration::from_secs(m * 60));
    let config = resolve(&["brickdesk"]).expect("defaults");
    assert_eq!(config.sync_every, minutes(15));
    assert_eq!(config.fees_every, minutes(24 * 60));
    let config = resolve(&["brickdesk", "--sync-every", "off", "--fees-every", "1h"]).expect("off");
    assert_eq!((config.sync_every, config.fees_every), (None, minutes(60)));
    let err = resolve(&["brickdesk", "--sync-every", "often"]).expect_err("refused");
    assert_eq!(
        err.to_string(),
        "--sync-every: 'often' is not an interval: write a number and a unit (30s, 15m, 1h, 1d) or off"
    );
    assert_eq!(config.backups, None, "no backups unless asked for");
    let config =
        resolve(&["brickdesk", "--backup-every", "24h", "--backup-keep", "3"]).expect("backups");
    let every = minutes(24 * 60).expect("a day");
    assert_eq!(config.backups, Some(BackupSchedule { every, keep: 3 }));
    assert!(try_parse(&["brickdesk", "serve", "--backup-keep", "0"]).is_err());
}

#[test]
fn backfill_mode_is_one_value_enum() {
    for (text, want) in [
        ("auto", BackfillMode::Auto),
        ("report", BackfillMode::Report),
        ("per-order", BackfillMode::PerOrder),
        ("per_order", BackfillMode::PerOrder),
        ("PER-ORDER", BackfillMode::PerOrder),
    ] {
        let Ok(Cli {
            command: Some(Command::Backfill(args)),
            ..
        }) = try_parse(&["brickdesk", "backfill", "--mode", text])
        else {
            panic!("{text} parses");
        };
        assert_eq!(args.mode, want, "{text}");
        assert_eq!(BackfillMode::parse(text), Some(want), "{text}");
    }
    let Ok(Cli {
        command: Some(Command::Backfill(args)),
        ..
    }) = try_parse(&["brickdesk", "backfill"])
    else {
        panic!("defaults");
    };
    assert_eq!(
        (args.mode, args.api, args.report_threshold),
        (
            BackfillMode::Auto,
            OrdersApi::V0,
            backfill::DEFAULT_REPORT_THRESHOLD
        )
    );
    assert!(try_parse(&["brickdesk", "backfill", "--mode", "sometimes"]).is_err());
    assert!(try_parse(&["brickdesk", "sync", "--api", "v9"]).is_err());
    assert!(try_parse(&["brickdesk", "user", "add", "x", "--role", "boss"]).is_err());
}
