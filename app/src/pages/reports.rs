//! The privileged-activity report and the 30-day login chart. The chart is
//! SVG drawn on the server: no chart library, readable without colour (each
//! series has its own line style and marker, and the numbers are in a table).

use leptos::prelude::*;

use crate::api::reports::DayLogins;
use crate::i18n::{use_lang, Lang, Msg};
use crate::routes::testid;

#[component]
pub fn PrivilegedReport(org: Option<String>) -> impl IntoView {
    let lang = use_lang();
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let applied = RwSignal::new((String::new(), String::new()));
    let report = Resource::new(
        move || applied.get(),
        move |(f, t)| {
            let org = org.clone();
            async move {
                match org {
                    Some(o) => crate::api::reports::ops_privileged_report(o, f, t).await,
                    None => crate::api::reports::privileged_report(f, t).await,
                }
            }
        },
    );
    view! {
        <section class="card" data-testid=testid::PRIVILEGED_REPORT>
            <h2>{Msg::PrivilegedReport.text(lang)}</h2>
            <p class="hint">{Msg::PrivilegedReportHint.text(lang)}</p>
            <form class="filters" on:submit=move |ev| { ev.prevent_default(); applied.set((from.get_untracked(), to.get_untracked())); }>
                <div class="field compact">
                    <label for="report-from">{Msg::DateFrom.text(lang)}</label>
                    <input id="report-from" type="date" prop:value=from on:input=move |ev| from.set(event_target_value(&ev))/>
                </div>
                <div class="field compact">
                    <label for="report-to">{Msg::DateTo.text(lang)}</label>
                    <input id="report-to" type="date" prop:value=to on:input=move |ev| to.set(event_target_value(&ev))/>
                </div>
                <button type="submit" class="secondary">{Msg::ShowReport.text(lang)}</button>
            </form>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match report.await {
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! { <p class="muted">{Msg::NoneFound.text(lang)}</p> }.into_any(),
                    Ok(rows) => view! {
                        <table>
                            <thead><tr><th>{Msg::Actor.text(lang)}</th><th>{Msg::Role.text(lang)}</th><th>{Msg::ActionName.text(lang)}</th><th>{Msg::EventCount.text(lang)}</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! {
                                    <tr><td>{r.actor}</td><td>{r.role}</td><td><code>{r.action}</code></td><td>{r.count}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }})}
            </Suspense>
        </section>
    }
}

#[component]
pub fn LoginChart(operator: bool) -> impl IntoView {
    let lang = use_lang();
    let data = Resource::new(
        || (),
        move |_| async move {
            if operator {
                crate::api::reports::all_daily_logins().await
            } else {
                crate::api::reports::tenant_daily_logins().await
            }
        },
    );
    view! {
        <section class="card" data-testid=testid::LOGIN_CHART>
            <h2>{Msg::LoginChart.text(lang)}</h2>
            <Suspense fallback=move || view! { <p class="muted">{Msg::Loading.text(lang)}</p> }>
                {move || Suspend::new(async move { match data.await {
                    Err(e) => view! { <p class="error">{e.message(lang)}</p> }.into_any(),
                    Ok(days) => chart(lang, &days).into_any(),
                }})}
            </Suspense>
        </section>
    }
}

const W: f64 = 600.0;
const H: f64 = 180.0;
const PAD: f64 = 30.0;

fn points(days: &[DayLogins], pick: fn(&DayLogins) -> i64, max: i64) -> Vec<(f64, f64)> {
    let step = (W - 2.0 * PAD) / (days.len().max(2) - 1) as f64;
    days.iter().enumerate().map(|(i, d)| (PAD + step * i as f64, H - PAD - (H - 2.0 * PAD) * pick(d) as f64 / max.max(1) as f64)).collect()
}

/// A line of the chart: its name, its value, CSS class, dash pattern and marker.
type Series = (Msg, fn(&DayLogins) -> i64, &'static str, &'static str, &'static str);

fn chart(lang: Lang, days: &[DayLogins]) -> impl IntoView {
    let max = days.iter().map(|d| d.succeeded.max(d.failed).max(d.denied)).max().unwrap_or(0).max(1);
    // Solid with circles, dashed with squares, dotted with triangles: told apart without colour.
    let series: [Series; 3] = [
        (Msg::LoginsSucceeded, |d| d.succeeded, "series-ok", "", "circle"),
        (Msg::LoginsFailed, |d| d.failed, "series-failed", "6 4", "square"),
        (Msg::LoginsDenied, |d| d.denied, "series-denied", "2 3", "triangle"),
    ];
    let first = days.first().map(|d| d.day.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.day.clone()).unwrap_or_default();
    let summary = format!("{} {first} – {last}", Msg::LoginChart.text(lang));
    view! {
        <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary>
            <line x1=PAD y1=H - PAD x2=W - PAD y2=H - PAD class="axis"/>
            <line x1=PAD y1=PAD x2=PAD y2=H - PAD class="axis"/>
            <text x=PAD - 4.0 y=PAD + 4.0 text-anchor="end" class="tick">{max}</text>
            <text x=PAD - 4.0 y=H - PAD text-anchor="end" class="tick">"0"</text>
            <text x=PAD y=H - 8.0 class="tick">{first.clone()}</text>
            <text x=W - PAD y=H - 8.0 text-anchor="end" class="tick">{last.clone()}</text>
            {series.iter().map(|(name, pick, class, dash, marker)| {
                let pts = points(days, *pick, max);
                let path = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                let marker = *marker;
                view! {
                    <g class=*class>
                        <title>{name.text(lang)}</title>
                        <polyline points=path fill="none" stroke-dasharray=*dash/>
                        {pts.into_iter().map(|(x, y)| match marker {
                            "circle" => view! { <circle cx=x cy=y r="2.5"/> }.into_any(),
                            "square" => view! { <rect x=x - 2.5 y=y - 2.5 width="5" height="5"/> }.into_any(),
                            _ => view! { <polygon points=format!("{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", x, y - 3.0, x - 3.0, y + 2.5, x + 3.0, y + 2.5)/> }.into_any(),
                        }).collect_view()}
                    </g>
                }
            }).collect_view()}
        </svg>
        <ul class="legend">
            <li class="series-ok">"━●━ " {Msg::LoginsSucceeded.text(lang)}</li>
            <li class="series-failed">"╍■╍ " {Msg::LoginsFailed.text(lang)}</li>
            <li class="series-denied">"┈▲┈ " {Msg::LoginsDenied.text(lang)}</li>
        </ul>
        <details>
            <summary>{Msg::ChartTable.text(lang)}</summary>
            <table>
                <thead><tr><th>{Msg::Time.text(lang)}</th><th>{Msg::LoginsSucceeded.text(lang)}</th><th>{Msg::LoginsFailed.text(lang)}</th><th>{Msg::LoginsDenied.text(lang)}</th></tr></thead>
                <tbody>
                    {days.iter().map(|d| view! { <tr><td>{d.day.clone()}</td><td>{d.succeeded}</td><td>{d.failed}</td><td>{d.denied}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}
