//! Human output for `score`: status counts, RFM rankings with propensity, lead funnels.

use super::table::Table;
use crate::numbers::thousands;
use crate::rules::leads::LeadReport;
use crate::rules::rfm::RfmReport;
use crate::rules::status::StatusReport;
use crate::rules::territory::{AssignReport, RepBalance};

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

/// Status counts, then where the figures went.
pub fn status(r: &StatusReport) -> String {
    let total = r.accounts.len().max(1) as f64;
    let mut out = format!(
        "account status of `{}` ({} accounts), as of {}\n\n",
        r.dataset,
        thousands(r.accounts.len() as u64),
        r.as_of
    );
    let mut t = Table::new(&["status", "accounts", "share"]);
    for (status, n) in &r.counts {
        t.row(vec![
            status.clone(),
            thousands(*n),
            format!("{:.1}%", *n as f64 / total * 100.0),
        ]);
    }
    out.push_str(&t.render());
    out.push_str(
        "\nstored per account in `_scores` (name `status`); `--json` lists every account\n",
    );
    out
}

/// The model, segment counts and the top accounts by expected value.
pub fn rfm(r: &RfmReport, top: usize) -> String {
    let s = &r.source;
    let mut out = format!(
        "RFM of {} accounts from `{}` ({} rows{}, {} skipped), as of {}\n",
        thousands(r.accounts.len() as u64),
        s.dataset,
        thousands(s.rows),
        if s.won_only { ", won only" } else { "" },
        thousands(s.skipped),
        r.as_of
    );
    match &r.model {
        Some(m) => out.push_str(&format!(
            "BG/NBD (weeks): r = {:.3}, alpha = {:.3}, a = {:.3}, b = {:.3}, log-likelihood = {:.1}\n",
            m.r, m.alpha, m.a, m.b, m.log_likelihood
        )),
        None => out.push_str("BG/NBD: not fitted (needs 10 accounts and some repeat purchases)\n"),
    }
    if let Some(g) = &r.spend {
        out.push_str(&format!(
            "Gamma-Gamma spend: p = {:.3}, q = {:.3}, gamma = {:.3}\n",
            g.p, g.q, g.gamma
        ));
    }
    out.push('\n');
    let mut seg = Table::new(&["segment", "accounts"]);
    for (name, n) in &r.segments {
        seg.row(vec![name.clone(), thousands(*n)]);
    }
    out.push_str(&seg.render());
    out.push_str(&format!(
        "\ntop {} by expected value in the next {} days\n",
        top.min(r.accounts.len()),
        r.horizon_days
    ));
    let mut t = Table::new(&[
        "account",
        "recency",
        "freq",
        "monetary",
        "rfm",
        "segment",
        "p_alive",
        "exp_purch",
        "exp_value",
    ]);
    for a in r.accounts.iter().take(top) {
        t.row(vec![
            a.account.clone(),
            a.recency_days.to_string(),
            a.frequency.to_string(),
            format!("{:.0}", a.monetary),
            format!("{}{}{}", a.r, a.f, a.m),
            a.segment.clone(),
            opt(a.p_alive, 2),
            opt(a.expected_purchases, 2),
            opt(a.expected_value, 0),
        ]);
    }
    out.push_str(&t.render());
    out
}

/// The funnel, the top leads, and what `--fit` learnt.
pub fn leads(r: &LeadReport, top: usize) -> String {
    let mut out = format!(
        "lead scores of `{}` ({} leads), as of {}\n\n",
        r.dataset,
        thousands(r.leads.len() as u64),
        r.as_of
    );
    let mut f = Table::new(&["stage", "leads", "conversion"]);
    for s in &r.funnel {
        f.row(vec![
            s.stage.clone(),
            thousands(s.count),
            s.conversion
                .map(|c| format!("{:.1}%", c * 100.0))
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    out.push_str(&f.render());
    out.push_str(&format!("\ntop {} leads\n", top.min(r.leads.len())));
    let mut t = Table::new(&[
        "lead",
        "account",
        "score",
        "fit",
        "behaviour",
        "rfm",
        "stage",
    ]);
    for l in r.leads.iter().take(top) {
        t.row(vec![
            l.lead.clone(),
            l.account.clone().unwrap_or_default(),
            format!("{:.1}", l.score),
            format!("{:.1}", l.fit),
            format!("{:.1}", l.behaviour),
            format!("{:.1}", l.rfm),
            l.stage.clone(),
        ]);
    }
    out.push_str(&t.render());
    if let Some(fit) = &r.fit {
        out.push_str(&format!(
            "\nlearnt weights (logistic regression on {} leads, {:.1}% converted; AUC on {} held out: fitted {}, hand-set {})\n",
            thousands(fit.trained_on),
            fit.converted_share * 100.0,
            thousands(fit.held_out),
            opt(fit.auc_fitted, 3),
            opt(fit.auc_hand_set, 3)
        ));
        let mut w = Table::new(&["rule", "points", "weight", "odds x", "meaning"]);
        for x in &fit.weights {
            w.row(vec![
                x.rule.clone(),
                format!("{}", x.hand_points),
                format!("{:.3}", x.weight),
                format!("{:.2}", x.odds_ratio),
                x.explanation.clone(),
            ]);
        }
        out.push_str(&w.render());
    }
    out
}

fn balance_table(rows: &[RepBalance]) -> String {
    let mut t = Table::new(&[
        "territory",
        "rep",
        "accounts",
        "open pipeline",
        "rfm value",
        "load",
        "",
    ]);
    for b in rows {
        t.row(vec![
            b.territory.clone(),
            b.rep.clone(),
            thousands(b.accounts),
            format!("{:.0}", b.open_pipeline),
            format!("{:.0}", b.rfm_value),
            format!("{:.2}", b.load_ratio),
            if b.overloaded {
                "overloaded".into()
            } else {
                String::new()
            },
        ]);
    }
    t.render()
}

/// Territories, the proposed balance, the moves as a diff, and what needs a decision.
pub fn assign(r: &AssignReport, dry_run: bool) -> String {
    let mut out = format!(
        "territory assignment ({}, balance by {:?}, tolerance {:.0}% over the fair share)\n\n",
        r.method.replace('_', " "),
        r.balance_by,
        r.tolerance * 100.0
    )
    .to_lowercase();
    let mut t = Table::new(&["territory", "accounts", "reps"]);
    for terr in &r.territories {
        t.row(vec![
            terr.name.clone(),
            thousands(terr.accounts),
            if terr.reps.is_empty() {
                "(no active rep)".into()
            } else {
                terr.reps.join(", ")
            },
        ]);
    }
    out.push_str(&t.render());
    out.push_str("\nrep balance, current owners\n");
    out.push_str(&balance_table(&r.current_balance));
    out.push_str("\nrep balance, proposed\n");
    out.push_str(&balance_table(&r.balance));
    out.push_str(&format!(
        "\n{} (diff: - current owner, + proposed)\n",
        crate::numbers::plural(
            r.moves.len() as u64,
            "account changes owner",
            "accounts change owner"
        )
    ));
    for m in r.moves.iter().take(30) {
        out.push_str(&format!(
            "  {}  - {}  + {}  ({})\n",
            m.account,
            m.from.as_deref().unwrap_or("(none)"),
            m.to,
            m.why
        ));
    }
    if r.moves.len() > 30 {
        out.push_str(&format!(
            "  ... and {} more (--json lists all)\n",
            r.moves.len() - 30
        ));
    }
    out.push_str(&format!(
        "\nunassigned: {} (no territory or no active rep); skipped by status: {}; owned by inactive users today: {}\n",
        thousands(r.unassigned),
        thousands(r.skipped),
        thousands(r.inactive_owned.len() as u64)
    ));
    if !r.unmatched_owners.is_empty() {
        out.push_str(&format!(
            "no target user for {} (add them to the owner value map of the account mapping): {}\n",
            crate::numbers::plural(r.unmatched_owners.len() as u64, "owner", "owners"),
            r.unmatched_owners.join(", ")
        ));
    }
    out.push_str(if r.within_tolerance {
        "every rep is within tolerance\n"
    } else {
        "some reps stay over tolerance (too few reps, or an account too large to move)\n"
    });
    if dry_run {
        out.push_str("dry run: nothing stored\n");
    } else {
        out.push_str("stored per account in `_scores` (assign.territory, assign.owner, assign.target_user)\n");
    }
    out
}
