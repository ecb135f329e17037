//! SVG pictures of one analyzed connection: where the data went, how fast, how late.
//!
//! Three panels share one time axis (seconds since the capture's first frame), for the
//! direction that carried more data:
//!
//! 1. the time-sequence graph at the data level, as tcptrace and mptcptrace draw it: each
//!    data segment at its offset in the data sequence space, in the colour of the subflow
//!    that carried it (crosses for data reinjected on another subflow, triangles for data
//!    resent on the same one), and the data ACK as a black step line. A gap between a
//!    subflow's dots and the ACK line is data waiting at the receiver for data on a slower path;
//! 2. payload throughput per subflow and the data-level goodput, per time bucket (Mbit/s);
//! 3. the mean RTT of each subflow per bucket, from data segments and the ACKs that cover them.
//!
//! Failover, ADD_ADDR, REMOVE_ADDR and MP_PRIO are dashed vertical markers across the
//! panels, labelled in the first. The input is a [`ConnectionReport`] made with
//! `Analyzer::with_points()` and a series interval; without them those panels stay empty.
//!
//! Drawn with plotters' SVG backend, which needs no font files: text is `<text>` for the
//! viewer to set. Markers are thinned to one per subflow, kind and 3×3 pixel cell, so a
//! capture of millions of segments still gives an SVG of a few hundred kilobytes at most.

use std::collections::HashSet;
use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::analyze::report::{
    ConnectionReport, EventKind, SeqPoint, SeriesReport, Side, SubflowReport,
};

/// Size of the picture in pixels.
pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 1100;

/// Subflow colours, in order of subflow id (Tableau 10); they repeat past ten subflows.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// Data ACK and goodput.
const INK: RGBColor = RGBColor(0x11, 0x11, 0x11);
/// Event markers.
const MARKER: RGBColor = RGBColor(0x55, 0x55, 0x55);
const GRID: RGBColor = RGBColor(0xe4, 0xe4, 0xe4);
const FONT: &str = "sans-serif";
/// Most event markers drawn; a flapping path could otherwise bury the data.
const MAX_MARKERS: usize = 200;
/// Rows of event labels before a label is left out.
const LABEL_ROWS: i32 = 4;

/// The colour of subflow `id` in every panel.
#[must_use]
pub fn subflow_color(id: usize) -> RGBColor {
    PALETTE[id % PALETTE.len()]
}

/// The drawing backend failed (it writes to a string, so this should not happen).
#[derive(Debug, thiserror::Error)]
#[error("drawing the plot: {0}")]
pub struct PlotError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

/// The direction a plot shows: the one that carried more data.
#[must_use]
pub fn busier_side(c: &ConnectionReport) -> Side {
    let client = (c.data_bytes_client_to_server, c.bytes_client_to_server);
    let server = (c.data_bytes_server_to_client, c.bytes_server_to_client);
    if client >= server {
        Side::Client
    } else {
        Side::Server
    }
}

/// A connection's three panels as one SVG document.
pub fn connection_svg(c: &ConnectionReport) -> Result<String, PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, c)?;
        root.present()?;
    }
    Ok(svg)
}

/// What one panel shows: its x range is shared, its y range its own.
struct Frame {
    x: std::ops::Range<f64>,
    side: Side,
    /// `client->server` or `server->client`.
    arrow: &'static str,
}

fn draw(root: &DrawingArea<SVGBackend<'_>, Shift>, c: &ConnectionReport) -> Result<(), PlotError> {
    root.fill(&WHITE)?;
    let side = busier_side(c);
    let frame = Frame {
        x: time_range(c),
        side,
        arrow: match side {
            Side::Client => "client→server",
            Side::Server => "server→client",
        },
    };
    let (title, rest) = root.split_vertically(56);
    draw_title(&title, c, &frame)?;
    let panels = rest.split_by_breakpoints([] as [i32; 0], [470, 770]);
    let markers = markers(c, side);
    let top = sequence_panel(&panels[0], c, &frame, &markers)?;
    draw_marker_labels(root, &top, &markers)?;
    throughput_panel(&panels[1], c, &frame, &markers)?;
    rtt_panel(&panels[2], c, &frame, &markers)?;
    Ok(())
}

/// The connection's lifetime, with a little room on both sides.
fn time_range(c: &ConnectionReport) -> std::ops::Range<f64> {
    let (start, end) = (c.first_seen, c.last_seen.max(c.first_seen + 1e-3));
    let pad = (end - start) * 0.01;
    (start - pad).max(0.0)..end + pad
}

fn draw_title(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    c: &ConnectionReport,
    frame: &Frame,
) -> Result<(), PlotError> {
    let token =
        |t: Option<crate::mptcp::Token>| t.map_or_else(|| "-".to_owned(), |t| t.to_string());
    let head = format!(
        "MPTCP connection {}: {} → {} (tokens {} / {}), {} subflow{}",
        c.id,
        endpoint(c.client_addr, c.client_port),
        endpoint(c.server_addr, c.server_port),
        token(c.client_token),
        token(c.server_token),
        c.subflows.len(),
        if c.subflows.len() == 1 { "" } else { "s" }
    );
    let (data, goodput, reordering) = match frame.side {
        Side::Client => (
            c.data_bytes_client_to_server,
            c.goodput_client_to_server_bps,
            &c.reordering_client_to_server,
        ),
        Side::Server => (
            c.data_bytes_server_to_client,
            c.goodput_server_to_client_bps,
            &c.reordering_server_to_client,
        ),
    };
    let mut sub = format!("{} data: {}", frame.arrow, bytes(data));
    if let Some(g) = goodput {
        let _ = write!(sub, ", goodput {:.1} Mbit/s", g / 1e6);
    }
    if let Some(r) = reordering
        && let Some(w) = r.wait
    {
        let total = r.segments_in_order + r.segments_waited;
        #[allow(clippy::cast_precision_loss)]
        let pct = 100.0 * r.segments_waited as f64 / total.max(1) as f64;
        let _ = write!(
            sub,
            "; {pct:.0}% of segments waited at the receiver for data on another subflow \
             (median {:.1} ms, p90 {:.1} ms)",
            w.median_ms, w.p90_ms
        );
    }
    area.draw(&Text::new(
        head,
        (12, 8),
        (FONT, 19).into_font().style(FontStyle::Bold),
    ))?;
    area.draw(&Text::new(
        sub,
        (12, 32),
        (FONT, 15).into_font().color(&MARKER),
    ))?;
    Ok(())
}

/// Points of one line, in data coordinates.
type Line = Vec<(f64, f64)>;

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A panel's chart: caption, axes with units, light grid.
fn chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    x: std::ops::Range<f64>,
    y_max: f64,
    y_desc: &str,
    y_fmt: &dyn Fn(&f64) -> String,
) -> Result<Chart<'a, 'b>, PlotError> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 16))
        .margin_left(10)
        .margin_right(24)
        .margin_top(4)
        .margin_bottom(4)
        .x_label_area_size(42)
        .y_label_area_size(78)
        .build_cartesian_2d(x, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("time since the first frame (s)")
        .y_desc(y_desc)
        .x_label_formatter(&|v| trim_number(*v))
        .y_label_formatter(y_fmt)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .bold_line_style(GRID)
        .max_light_lines(0)
        .draw()?;
    Ok(chart)
}

fn legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    pos: SeriesLabelPosition,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .position(pos)
        .margin(8)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.88))
        .border_style(RGBColor(0xbb, 0xbb, 0xbb))
        .draw()?;
    Ok(())
}

/// Panel 1: data segments by subflow and the data ACK, against time.
fn sequence_panel<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    c: &ConnectionReport,
    frame: &Frame,
    markers: &[Marker],
) -> Result<Chart<'a, 'b>, PlotError> {
    let points: &[SeqPoint] = &c.points[frame.side.index()];
    #[allow(clippy::cast_precision_loss)]
    let top = points
        .iter()
        .map(|p| (p.offset + u64::from(p.len)) as f64)
        .fold(0.0, f64::max);
    let (unit, div) = byte_unit(top);
    let y_max = (top / div * 1.04).max(1e-3);
    let y_fmt = |v: &f64| trim_number(*v);
    let mut chart = chart(
        area,
        &format!(
            "Data sequence, {} (time-sequence graph at the data level)",
            frame.arrow
        ),
        frame.x.clone(),
        y_max,
        &format!("data sequence offset ({unit})"),
        &y_fmt,
    )?;
    draw_marker_lines(&mut chart, markers, y_max)?;
    let at = |p: &SeqPoint| seq_xy(p, div);

    // New data, one series per subflow, in id order.
    for s in &c.subflows {
        let color = subflow_color(s.id);
        let mut seen = HashSet::new();
        let dots: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.subflow == s.id && p.kind == "new")
            .map(at)
            .filter(|xy| seen.insert(cell(&chart, *xy)))
            .collect();
        let total: u64 = c.subflows.iter().map(|s| sent(s, frame.side)).sum();
        #[allow(clippy::cast_precision_loss)]
        let pct = 100.0 * sent(s, frame.side) as f64 / total.max(1) as f64;
        chart
            .draw_series(
                dots.into_iter()
                    .map(|xy| Circle::new(xy, 2, color.filled())),
            )?
            .label(format!(
                "subflow {}: {} → {}  ({pct:.0}% of the bytes)",
                s.id, s.client_addr, s.server_addr
            ))
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
    }

    let steps = ack_steps(&chart, points, div);
    if !steps.is_empty() {
        chart
            .draw_series(LineSeries::new(steps, INK.stroke_width(1)))?
            .label("data ACK (delivered in order to the application)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], INK.stroke_width(2)));
    }

    draw_sent_again(&mut chart, points, div)?;
    // A time-sequence graph climbs from lower left to upper right: lower right is free.
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(chart)
}

/// The payload bytes a subflow carried in `side`'s direction.
fn sent(s: &SubflowReport, side: Side) -> u64 {
    match side {
        Side::Client => s.bytes_client_to_server,
        Side::Server => s.bytes_server_to_client,
    }
}

/// Where a segment's last byte sits, in the panel's unit.
#[allow(clippy::cast_precision_loss)]
fn seq_xy(p: &SeqPoint, div: f64) -> (f64, f64) {
    (p.time, (p.offset + u64::from(p.len)) as f64 / div)
}

/// The data ACK as a step line, with one vertex per pixel it moves.
fn ack_steps(chart: &Chart<'_, '_>, points: &[SeqPoint], div: f64) -> Line {
    let mut steps: Line = Vec::new();
    let mut last_px = None;
    for p in points.iter().filter(|p| p.kind == "data_ack") {
        #[allow(clippy::cast_precision_loss)]
        let y = p.offset as f64 / div;
        let corner = steps.last().map(|&(_, prev_y)| (p.time, prev_y));
        for xy in corner.into_iter().chain([(p.time, y)]) {
            let px = chart.backend_coord(&xy);
            if last_px != Some(px) {
                steps.push(xy);
                last_px = Some(px);
            }
        }
    }
    steps
}

/// Data sent again, drawn on top of the rest: crosses for data reinjected on another
/// subflow, triangles for data resent on the same one, in the colour of the subflow that
/// sent it again.
fn draw_sent_again<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    points: &[SeqPoint],
    div: f64,
) -> Result<(), PlotError> {
    for (kind, label) in [
        ("reinjected", "reinjected (sent again on another subflow)"),
        ("resent", "retransmitted on the same subflow"),
    ] {
        let mut seen = HashSet::new();
        let again: Vec<(f64, f64, RGBColor)> = points
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| {
                let (x, y) = seq_xy(p, div);
                (x, y, subflow_color(p.subflow))
            })
            .filter(|&(x, y, color)| seen.insert((color, cell(chart, (x, y)))))
            .collect();
        if again.is_empty() {
            continue;
        }
        let anno =
            if kind == "reinjected" {
                chart.draw_series(
                    again.into_iter().map(|(x, y, color)| {
                        Cross::new((x, y), 5, color.stroke_width(2)).into_dyn()
                    }),
                )?
            } else {
                chart.draw_series(again.into_iter().map(|(x, y, color)| {
                    TriangleMarker::new((x, y), 5, color.filled()).into_dyn()
                }))?
            };
        anno.label(label).legend(move |(x, y)| {
            if kind == "reinjected" {
                Cross::new((x + 10, y), 5, MARKER.stroke_width(2)).into_dyn()
            } else {
                TriangleMarker::new((x + 10, y), 5, MARKER.filled()).into_dyn()
            }
        });
    }
    Ok(())
}

/// Panel 2: payload rate per subflow and data-level goodput, per bucket.
fn throughput_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    c: &ConnectionReport,
    frame: &Frame,
    markers: &[Marker],
) -> Result<(), PlotError> {
    let Some(series) = &c.series else {
        return empty_panel(
            area,
            "Throughput per subflow: no series (analyze with --interval)",
        );
    };
    let lines = rate_lines(series, frame);
    let top = lines
        .iter()
        .flat_map(|(_, l)| l.iter().map(|&(_, y)| y))
        .fold(0.0, f64::max);
    let (unit, div) = rate_unit(top);
    let y_max = (top / div * 1.12).max(1e-3);
    let y_fmt = |v: &f64| trim_number(*v);
    let mut chart = chart(
        area,
        &format!(
            "Throughput, {} (per {} ms)",
            frame.arrow,
            trim_number(series.interval * 1e3)
        ),
        frame.x.clone(),
        y_max,
        unit,
        &y_fmt,
    )?;
    draw_marker_lines(&mut chart, markers, y_max)?;
    for (id, line) in &lines {
        let scaled = line.iter().map(|&(x, y)| (x, y / div));
        match id {
            Some(id) => {
                let color = subflow_color(*id);
                chart
                    .draw_series(LineSeries::new(scaled, color.stroke_width(2)))?
                    .label(format!("subflow {id}"))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
            }
            None => {
                chart
                    .draw_series(DashedLineSeries::new(scaled, 6, 3, INK.stroke_width(2)))?
                    .label("goodput (new data, data level)")
                    .legend(|(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], INK.stroke_width(2))
                    });
            }
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// Rate per bucket (bit/s) at the middle of each bucket within the plotted range: one line
/// per subflow (`Some(id)`) and the goodput (`None`).
fn rate_lines(series: &SeriesReport, frame: &Frame) -> Vec<(Option<usize>, Line)> {
    let per = |bins: &[u64]| -> Line {
        bins.iter()
            .enumerate()
            .filter_map(|(i, &b)| {
                #[allow(clippy::cast_precision_loss)]
                let (mid, bps) = (
                    (i as f64 + 0.5) * series.interval,
                    b as f64 * 8.0 / series.interval,
                );
                frame.x.contains(&mid).then_some((mid, bps))
            })
            .collect()
    };
    let mut out: Vec<(Option<usize>, Line)> = series
        .subflows
        .iter()
        .map(|s| {
            let bins = match frame.side {
                Side::Client => &s.bytes_client_to_server,
                Side::Server => &s.bytes_server_to_client,
            };
            (Some(s.id), per(bins))
        })
        .collect();
    let data = match frame.side {
        Side::Client => &series.data_bytes_client_to_server,
        Side::Server => &series.data_bytes_server_to_client,
    };
    out.push((None, per(data)));
    out
}

/// Panel 3: mean RTT per subflow and bucket; a bucket without samples breaks the line.
fn rtt_panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    c: &ConnectionReport,
    frame: &Frame,
    markers: &[Marker],
) -> Result<(), PlotError> {
    let Some(series) = &c.series else {
        return empty_panel(area, "RTT per subflow: no series (analyze with --interval)");
    };
    let runs: Vec<(usize, Vec<Line>)> = series
        .subflows
        .iter()
        .map(|s| {
            let rtt = match frame.side {
                Side::Client => &s.rtt_ms_client_to_server,
                Side::Server => &s.rtt_ms_server_to_client,
            };
            let mut runs: Vec<Line> = vec![Vec::new()];
            for (i, v) in rtt.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let mid = (i as f64 + 0.5) * series.interval;
                match v {
                    Some(ms) if frame.x.contains(&mid) => {
                        if let Some(run) = runs.last_mut() {
                            run.push((mid, *ms));
                        }
                    }
                    _ => runs.push(Vec::new()),
                }
            }
            runs.retain(|r| !r.is_empty());
            (s.id, runs)
        })
        .collect();
    let top = runs
        .iter()
        .flat_map(|(_, r)| r.iter().flatten().map(|&(_, y)| y))
        .fold(0.0, f64::max);
    let y_max = (top * 1.15).max(1.0);
    let y_fmt = |v: &f64| trim_number(*v);
    let mut chart = chart(
        area,
        &format!(
            "Round-trip time of {} data per subflow (mean per {} ms, from data and ACKs)",
            frame.arrow,
            trim_number(series.interval * 1e3)
        ),
        frame.x.clone(),
        y_max,
        "RTT (ms)",
        &y_fmt,
    )?;
    draw_marker_lines(&mut chart, markers, y_max)?;
    for (id, runs) in runs {
        let color = subflow_color(id);
        let stats = c
            .subflows
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| match frame.side {
                Side::Client => s.rtt_client_to_server,
                Side::Server => s.rtt_server_to_client,
            });
        let label = stats.map_or_else(
            || format!("subflow {id}"),
            |r| {
                format!(
                    "subflow {id} (median {:.1} ms, p90 {:.1} ms)",
                    r.median_ms, r.p90_ms
                )
            },
        );
        let mut first = true;
        for run in runs {
            let dots = run.clone();
            let anno = chart.draw_series(LineSeries::new(run, color.stroke_width(2)))?;
            if first {
                anno.label(label.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
                first = false;
            }
            chart.draw_series(
                dots.into_iter()
                    .map(|xy| Circle::new(xy, 2, color.filled())),
            )?;
        }
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

fn empty_panel(area: &DrawingArea<SVGBackend<'_>, Shift>, text: &str) -> Result<(), PlotError> {
    area.draw(&Text::new(
        text.to_owned(),
        (90, 40),
        (FONT, 15).into_font().color(&MARKER),
    ))?;
    Ok(())
}

/// An event worth a vertical line.
struct Marker {
    time: f64,
    label: String,
    color: RGBColor,
}

/// Failovers of `side`'s data, announcements and removals of addresses, priority changes.
fn markers(c: &ConnectionReport, side: Side) -> Vec<Marker> {
    let failover = RGBColor(0xb0, 0x10, 0x10);
    c.events
        .iter()
        .filter_map(|e| {
            let (label, color) = match &e.what {
                EventKind::Failover {
                    by,
                    from_subflow,
                    to_subflow,
                    to_backup,
                    ..
                } if *by == side => (
                    format!(
                        "failover {from_subflow}→{to_subflow}{}",
                        if *to_backup { " (backup)" } else { "" }
                    ),
                    failover,
                ),
                EventKind::AddAddr {
                    addr_id,
                    addr,
                    echo: false,
                    ..
                } => (format!("ADD_ADDR {addr_id} {addr}"), MARKER),
                EventKind::RemoveAddr { addr_ids, .. } => {
                    let ids: Vec<String> = addr_ids.iter().map(u8::to_string).collect();
                    (format!("REMOVE_ADDR {}", ids.join(",")), MARKER)
                }
                EventKind::MpPrio {
                    subflow, backup, ..
                } => (
                    format!(
                        "MP_PRIO {} sf {subflow}",
                        if *backup { "backup" } else { "active" }
                    ),
                    MARKER,
                ),
                _ => return None,
            };
            Some(Marker {
                time: e.time,
                label,
                color,
            })
        })
        .take(MAX_MARKERS)
        .collect()
}

fn draw_marker_lines(
    chart: &mut Chart<'_, '_>,
    markers: &[Marker],
    y_max: f64,
) -> Result<(), PlotError> {
    for m in markers {
        chart.draw_series(DashedLineSeries::new(
            [(m.time, 0.0), (m.time, y_max)],
            5,
            4,
            m.color.stroke_width(1),
        ))?;
    }
    Ok(())
}

/// Labels beside the markers at the top of the first panel, on up to `LABEL_ROWS` rows so
/// that they do not overlap; a label with no room left is not drawn (its line is).
fn draw_marker_labels(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Chart<'_, '_>,
    markers: &[Marker],
) -> Result<(), PlotError> {
    let (_, y_top) = chart.backend_coord(&(chart.x_range().start, chart.y_range().end));
    let mut row_end = [i32::MIN; LABEL_ROWS as usize];
    for m in markers {
        let (x, _) = chart.backend_coord(&(m.time, 0.0));
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let width = 7 * m.label.chars().count() as i32 + 8;
        let Some(row) = row_end.iter().position(|&end| end < x) else {
            continue;
        };
        row_end[row] = x + width;
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let y = y_top + 4 + 15 * row as i32;
        root.draw(&Text::new(
            m.label.clone(),
            (x + 3, y),
            (FONT, 12).into_font().color(&m.color),
        ))?;
    }
    Ok(())
}

/// The 3×3 pixel cell a point falls in, to draw one marker (5 pixels wide) per cell.
fn cell(chart: &Chart<'_, '_>, xy: (f64, f64)) -> (i32, i32) {
    let (x, y) = chart.backend_coord(&xy);
    (x / 3, y / 3)
}

/// A unit for byte offsets up to `max`, and its size.
fn byte_unit(max: f64) -> (&'static str, f64) {
    if max >= 1e9 {
        ("GB", 1e9)
    } else if max >= 1e6 {
        ("MB", 1e6)
    } else if max >= 1e3 {
        ("kB", 1e3)
    } else {
        ("bytes", 1.0)
    }
}

/// A unit for rates up to `max` bit/s, and its size.
fn rate_unit(max: f64) -> (&'static str, f64) {
    if max >= 1e9 {
        ("throughput (Gbit/s)", 1e9)
    } else if max >= 1e6 {
        ("throughput (Mbit/s)", 1e6)
    } else {
        ("throughput (kbit/s)", 1e3)
    }
}

/// An axis label: up to three decimals, trailing zeros dropped.
fn trim_number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn endpoint(addr: std::net::IpAddr, port: u16) -> String {
    match addr {
        std::net::IpAddr::V4(a) => format!("{a}:{port}"),
        std::net::IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

#[allow(clippy::cast_precision_loss)] // a rounded display
fn bytes(n: u64) -> String {
    if n < 1000 {
        return format!("{n} bytes");
    }
    let (unit, div) = byte_unit(n as f64);
    format!("{:.1} {unit}", n as f64 / div)
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::analyze::Analyzer;
    use crate::analyze::report::Report;

    fn analyze(file: &str, analyzer: Analyzer) -> Report {
        let path = format!("{}/testdata/pcap/{file}", env!("CARGO_MANIFEST_DIR"));
        crate::analyze::tests::report_of(&std::fs::read(&path).unwrap(), analyzer)
    }

    /// `#1F77B4` as the SVG backend writes colours.
    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    /// Elements of `tag` whose `attr` is `color`.
    fn count(doc: &roxmltree::Document<'_>, tag: &str, attr: &str, color: &str) -> usize {
        doc.descendants()
            .filter(|n| n.has_tag_name(tag) && n.attribute(attr) == Some(color))
            .count()
    }

    fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
            .collect()
    }

    #[test]
    fn shaped_capture_has_a_series_per_subflow_and_the_add_addr_marker() {
        // testdata/pcap/v1-shaped-two-paths.pcap: one connection, client->server bulk data on
        // two subflows (tshark: streams 0 and 1 both carry payload), ADD_ADDR id 1 10.0.4.2
        // from the server in frame 4 (facts: tshark.add_addr).
        let r = analyze(
            "v1-shaped-two-paths.pcap",
            Analyzer::default().with_points().with_series_buckets(200),
        );
        let c = &r.connections[0];
        assert_eq!(busier_side(c), Side::Client);
        let svg = connection_svg(c).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        for id in [0, 1] {
            let color = hex(subflow_color(id));
            // Data segments are dots in the subflow's colour; its throughput and RTT are lines.
            let dots = count(&doc, "circle", "fill", &color);
            assert!(dots > 100, "subflow {id}: {dots} dots");
            let lines = count(&doc, "polyline", "stroke", &color);
            assert!(lines >= 2, "subflow {id}: {lines} lines");
        }
        assert_eq!(count(&doc, "circle", "fill", &hex(subflow_color(2))), 0);
        let texts = texts(&doc);
        let markers: Vec<_> = texts.iter().filter(|t| t.starts_with("ADD_ADDR")).collect();
        assert_eq!(
            markers,
            ["ADD_ADDR 1 10.0.4.2"],
            "the echo is not marked again"
        );
        for label in [
            "data sequence offset (MB)",
            "throughput (Mbit/s)",
            "RTT (ms)",
            "time since the first frame (s)",
            "data ACK (delivered in order to the application)",
        ] {
            assert!(texts.iter().any(|t| t == label), "{label} in {texts:?}");
        }
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("subflow 1: 10.0.2.1 → 10.0.4.2"))
        );
    }

    #[test]
    fn without_points_or_series_the_panels_say_so() {
        let r = analyze("v1-shaped-two-paths.pcap", Analyzer::default());
        let svg = connection_svg(&r.connections[0]).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("Throughput per subflow: no series"))
        );
        // No data dots: the one circle in subflow 0's colour is its legend key.
        assert_eq!(count(&doc, "circle", "fill", &hex(subflow_color(0))), 1);
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(trim_number(2.5), "2.5");
        assert_eq!(trim_number(3.0), "3");
        assert_eq!(trim_number(-0.0001), "0");
        assert_eq!(trim_number(0.016), "0.016");
    }
}
