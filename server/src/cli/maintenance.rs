//! `kura migrate` and `kura keys rotate-master`: the commands that run as the
//! maintenance role, never as the server.

use super::*;

/// Schema migrations, then the one-time data steps an upgrade may need, each
/// said aloud: re-keying an audit chain written before keys (refused when the
/// system log shows the chain was keyed before), and re-sealing people data
/// written before values were bound to their person and version, and sealing
/// the 生年月日 and 緊急連絡先 of people stored before those fields.
pub(super) async fn migrate(g: &GlobalOpts, app_role: &str) -> Result<ExitCode, String> {
    let settings = settings_from(g);
    let (s, granted, applied) =
        startup::open_services_for_migration(&settings, Arc::new(SystemClock), app_role).await.map_err(|e| one_line(&e))?;
    if !granted {
        println!("note: there is no PostgreSQL role {app_role} yet: create it (docs/OPERATIONS.md, \"PostgreSQL roles\") and run `kura migrate` again");
    }
    let witnessed = crate::telemetry::witnessed_heads(&settings.data_dir.join("logs"));
    match kura::audit_chain::rekey_unkeyed(&s.db, s.clock.now(), witnessed.len()).await.map_err(core_err)? {
        None => {}
        Some(r) => {
            println!("audit chain re-keyed: {} events linked under the new chain key", r.rows);
            if let Some(seq) = r.unkeyed_first_break {
                println!("WARNING: the chain was already broken at event {seq} before re-keying; this is recorded in audit.chain_rekeyed");
            }
        }
    }
    kura::audit_chain::ensure(&s.db, s.clock.now()).await.map_err(|e| e.to_string())?;
    if kura::people::upgrade::pending(&s).await.map_err(core_err)? {
        let report = audit::verify_against(&s.db, &witnessed).await.map_err(core_err)?;
        if let Some(b) = report.first_break {
            return Err(format!("the audit chain is broken at event {} ({:?}): people data is not re-sealed over it", b.seq, b.kind));
        }
        let done = kura::people::upgrade::upgrade_sealed_fields(&s).await.map_err(core_err)?;
        println!(
            "people data re-sealed: {} people, {} records ({} could not be opened and were left as they are)",
            done.people, done.records, done.failed
        );
    }
    let details = kura::people::details_upgrade::seal_unset_details(&s).await.map_err(core_err)?;
    if details != Default::default() {
        println!(
            "birth date and emergency contact sealed as not given for {} people stored before them ({} could not be opened and were left as they are)",
            details.people, details.failed
        );
    }
    // Each run of the maintenance connection is on the record.
    let ev = AuditEvent::new(AuditActor::cli(), Action::SchemaMigrated, Outcome::Success).from_client(&ClientInfo::cli()).detail(
        serde_json::json!({ "backend": format!("{:?}", s.db.backend()), "migrations_applied": applied, "app_role_granted": granted }),
    );
    audit::record(&s.db, s.clock.now(), &ev).await.map_err(core_err)?;
    println!("database is up to date");
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn rotate_master(g: &GlobalOpts, new_key_file: Option<PathBuf>) -> Result<ExitCode, String> {
    use kura::keys::MasterKey;
    let settings = settings_from(g);
    let s = maintenance_services(g).await?;
    let default_file = g.data_dir.join("master.key");
    let uses_default = matches!(settings.master_key, crate::config::MasterKeySource::Default);
    let (new_path, in_place) = match (new_key_file, uses_default) {
        (Some(p), _) => (p, false),
        (None, true) => (g.data_dir.join("master.key.new"), true),
        (None, false) => return Err("--new-key-file is required when the key comes from KURA_MASTER_KEY or --master-key-file".into()),
    };
    let (new, _) = MasterKey::load_or_create_file(&new_path).map_err(|e| e.to_string())?;
    let old_id = s.keys.id().to_owned();
    let n = kura::keys::rotate_master(&s.db, &s.keys, &new, &AuditActor::cli(), s.clock.now()).await.map_err(core_err)?;
    println!("{n} organisation keys re-wrapped from master key {old_id} to {}", new.id());
    if in_place {
        let retired = g.data_dir.join(format!("master.key.retired-{old_id}"));
        std::fs::rename(&default_file, &retired).map_err(|e| format!("cannot move the old key aside: {e}"))?;
        std::fs::rename(&new_path, &default_file).map_err(|e| format!("cannot put the new key in place: {e}"))?;
        println!(
            "{} now holds the new key; the old one is {} — delete it once no backup needs it",
            default_file.display(),
            retired.display()
        );
    } else {
        println!(
            "start Kura with --master-key-file {} (or its contents in KURA_MASTER_KEY); the old key is no longer used",
            new_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
