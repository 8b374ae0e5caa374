//! Human output for `score`: status counts, RFM rankings with propensity, lead funnels.

use super::table::{Table, thousands};
use crate::rules::rfm::RfmReport;
use crate::rules::status::StatusReport;

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
