//! `endpoints`: the path manager's endpoints (`ip mptcp endpoint show`), and `add`, `delete`,
//! `set`, `flush` with the same meaning as `ip mptcp endpoint`.
//!
//! Changes are checked here the way `ip` checks them (no signal with fullmesh, a port only
//! with signal, id 0 needs its address); `set` reads the endpoint first, because the kernel
//! replaces both changeable flags (backup and fullmesh) at once. After a change the resulting
//! list is printed.

use std::net::IpAddr;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::cli::NetnsArg;
use crate::cmd::{Status, in_netns};
use crate::kernel::pm::{
    Endpoint, EndpointFlags, EndpointRef, EndpointSpec, MPTCP_PM_ADDR_FLAG_BACKUP,
    MPTCP_PM_ADDR_FLAG_FULLMESH, MPTCP_PM_ADDR_FLAG_SIGNAL, Pm,
};
use crate::kernel::probe;
use crate::kernel::sock_diag::RawAttr;
use crate::output::{self, Output, Render, Style};

#[derive(Debug, clap::Args)]
pub struct EndpointsArgs {
    #[command(subcommand)]
    pub action: Option<EndpointAction>,
    #[command(flatten)]
    pub netns: NetnsArg,
}

#[derive(Debug, clap::Subcommand)]
pub enum EndpointAction {
    /// Add an endpoint (needs CAP_NET_ADMIN).
    Add(AddArgs),
    /// Delete an endpoint by id; id 0 (the initial subflow's address) also needs the address.
    Delete(DeleteArgs),
    /// Change an endpoint's backup or fullmesh flag; the other flags stay as they are.
    Set(SetArgs),
    /// Delete every endpoint.
    Flush,
}

/// Flags an endpoint can be created with (`ip mptcp endpoint add ... FLAG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AddFlag {
    /// Announce this address to peers (ADD_ADDR).
    Signal,
    /// Open a subflow from this address to the peer.
    Subflow,
    /// Subflows from this address are backups (MP_JOIN with B=1).
    Backup,
    /// Open a subflow from this address to every address the peer announced.
    Fullmesh,
    /// Use this address for subflows to every announced address, one each (Linux 6.18+).
    Laminar,
}

impl AddFlag {
    fn bit(self) -> u32 {
        let name = match self {
            AddFlag::Signal => "signal",
            AddFlag::Subflow => "subflow",
            AddFlag::Backup => "backup",
            AddFlag::Fullmesh => "fullmesh",
            AddFlag::Laminar => "laminar",
        };
        EndpointFlags::bit(name).unwrap_or(0)
    }
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The endpoint's address.
    pub address: IpAddr,
    /// What the path manager does with it.
    #[arg(value_enum, value_name = "FLAG")]
    pub flags: Vec<AddFlag>,
    /// Endpoint id (1-255); the kernel picks the next free one when absent.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..))]
    pub id: Option<u8>,
    /// Port to announce and accept joins on (needs `signal`).
    #[arg(long)]
    pub port: Option<u16>,
    /// Interface subflows from this address are bound to.
    #[arg(long, value_name = "IFNAME")]
    pub dev: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// Endpoint id.
    #[arg(long)]
    pub id: u8,
    /// The address: required for id 0, refused otherwise (as `ip` does).
    pub address: Option<IpAddr>,
}

/// Flag changes `set` accepts (`ip mptcp endpoint change ... FLAG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SetFlag {
    Backup,
    Nobackup,
    Fullmesh,
    Nofullmesh,
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Endpoint id.
    #[arg(long, required_unless_present = "address")]
    pub id: Option<u8>,
    /// Endpoint address, instead of the id.
    #[arg(long)]
    pub address: Option<IpAddr>,
    /// Endpoint port, with --address.
    #[arg(long, requires = "address")]
    pub port: Option<u16>,
    /// The changes.
    #[arg(value_enum, required = true, value_name = "FLAG")]
    pub flags: Vec<SetFlag>,
}

/// One endpoint as shown: `{"id", "address", "port"|null, "dev"|null, "flags": [..]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointRecord {
    pub id: Option<u8>,
    pub address: Option<IpAddr>,
    pub port: Option<u16>,
    pub dev: Option<String>,
    pub ifindex: Option<i32>,
    /// Flag names; bits this version does not know appear as one `0x..` entry.
    pub flags: Vec<String>,
    pub raw_flags: u32,
    /// Attributes this version does not know, kept raw.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_attributes: Vec<RawAttr>,
}

impl EndpointRecord {
    /// `ifname` names an interface index in the endpoint's namespace.
    #[must_use]
    pub fn new(e: &Endpoint, ifname: &dyn Fn(u32) -> Option<String>) -> Self {
        EndpointRecord {
            id: e.id,
            address: e.address,
            port: e.port,
            dev: e
                .ifindex
                .and_then(|i| u32::try_from(i).ok())
                .and_then(ifname),
            ifindex: e.ifindex,
            flags: e.flags.names(),
            raw_flags: e.flags.0,
            other_attributes: e.other.clone(),
        }
    }
}

/// `endpoints --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointsReport {
    pub endpoints: Vec<EndpointRecord>,
}

impl Render for EndpointsReport {
    fn render(&self, w: &mut dyn std::io::Write, _style: Style) -> std::io::Result<()> {
        write_endpoints_table(w, &self.endpoints)
    }
}

/// The endpoint table, also used by `status`.
pub fn write_endpoints_table(
    w: &mut dyn std::io::Write,
    endpoints: &[EndpointRecord],
) -> std::io::Result<()> {
    let mut t = output::table(&["ID", "Address", "Port", "Dev", "Flags"]);
    for e in endpoints {
        t.add_row(vec![
            opt(e.id),
            opt(e.address),
            opt(e.port),
            e.dev
                .clone()
                .or_else(|| e.ifindex.map(|i| format!("if#{i}")))
                .unwrap_or_default(),
            e.flags.join(" "),
        ]);
    }
    output::write_table(w, &t)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The endpoints of the current namespace, with interface names resolved there.
pub fn fetch(pm: &mut Pm) -> anyhow::Result<Vec<EndpointRecord>> {
    let eps = pm.endpoints().context("reading MPTCP endpoints")?;
    Ok(eps
        .iter()
        .map(|e| EndpointRecord::new(e, &probe::ifname))
        .collect())
}

pub fn run(args: &EndpointsArgs, out: &mut Output<'_>) -> anyhow::Result<Status> {
    let action = args.action.as_ref();
    if let Some(EndpointAction::Add(a)) = action {
        check_add(a)?;
    }
    let report = in_netns(&args.netns, || {
        let mut pm = Pm::open()?;
        match action {
            None => {}
            Some(EndpointAction::Add(a)) => add(&mut pm, a)?,
            Some(EndpointAction::Delete(d)) => delete(&mut pm, d)?,
            Some(EndpointAction::Set(s)) => set(&mut pm, s)?,
            Some(EndpointAction::Flush) => pm.flush().context("deleting all endpoints")?,
        }
        Ok(EndpointsReport {
            endpoints: fetch(&mut pm)?,
        })
    })?;
    out.report(&report)?;
    Ok(Status::Ok)
}

/// The checks `ip mptcp endpoint add` makes before asking the kernel.
fn check_add(a: &AddArgs) -> anyhow::Result<()> {
    let flags = a.flags.iter().fold(0, |f, x| f | x.bit());
    if flags & MPTCP_PM_ADDR_FLAG_SIGNAL != 0 && flags & MPTCP_PM_ADDR_FLAG_FULLMESH != 0 {
        bail!("an endpoint cannot be both signal and fullmesh: pick one");
    }
    if a.port.is_some() && flags & MPTCP_PM_ADDR_FLAG_SIGNAL == 0 {
        bail!("--port needs the signal flag: only announced addresses carry a port");
    }
    Ok(())
}

fn add(pm: &mut Pm, a: &AddArgs) -> anyhow::Result<()> {
    let ifindex = a.dev.as_deref().map(probe::ifindex).transpose()?;
    let spec = EndpointSpec {
        address: a.address,
        id: a.id,
        port: a.port,
        flags: a.flags.iter().fold(0, |f, x| f | x.bit()),
        ifindex,
    };
    pm.add(&spec)
        .with_context(|| format!("adding endpoint {}", a.address))
}

fn delete(pm: &mut Pm, d: &DeleteArgs) -> anyhow::Result<()> {
    let target = match (d.id, d.address) {
        (0, None) => {
            bail!("deleting id 0 needs the address: mptcpstat endpoints delete --id 0 ADDRESS")
        }
        (0, Some(address)) => EndpointRef::Address {
            address,
            port: None,
            id: Some(0),
        },
        (_, Some(_)) => bail!("an address is only given with --id 0; drop it"),
        (id, None) => EndpointRef::Id(id),
    };
    pm.delete(target)
        .with_context(|| format!("deleting endpoint id {}", d.id))
}

fn set(pm: &mut Pm, s: &SetArgs) -> anyhow::Result<()> {
    let current = pm.endpoints().context("reading MPTCP endpoints")?;
    let found = current.iter().find(|e| match (s.id, s.address) {
        (Some(id), _) => e.id == Some(id),
        (None, Some(addr)) => e.address == Some(addr) && (s.port.is_none() || e.port == s.port),
        (None, None) => false,
    });
    let Some(endpoint) = found else {
        bail!("no such endpoint: list them with `mptcpstat endpoints`");
    };
    let flags = apply_set_flags(endpoint.flags.0, &s.flags);
    let target = match (endpoint.id, s.address) {
        (Some(id), None) => EndpointRef::Id(id),
        (id, Some(address)) => EndpointRef::Address {
            address,
            port: s.port,
            id,
        },
        (None, None) => bail!("the kernel reported this endpoint without an id"),
    };
    pm.set_flags(target, flags)
        .context("changing endpoint flags")
}

/// The flags after `set`: only backup and fullmesh change, as asked.
#[must_use]
pub fn apply_set_flags(current: u32, changes: &[SetFlag]) -> u32 {
    changes.iter().fold(current, |f, c| match c {
        SetFlag::Backup => f | MPTCP_PM_ADDR_FLAG_BACKUP,
        SetFlag::Nobackup => f & !MPTCP_PM_ADDR_FLAG_BACKUP,
        SetFlag::Fullmesh => f | MPTCP_PM_ADDR_FLAG_FULLMESH,
        SetFlag::Nofullmesh => f & !MPTCP_PM_ADDR_FLAG_FULLMESH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::pm::MPTCP_PM_ADDR_FLAG_SUBFLOW;

    fn endpoint() -> Endpoint {
        Endpoint {
            id: Some(1),
            family: Some(2),
            address: Some(IpAddr::from([10, 0, 2, 1])),
            port: None,
            flags: EndpointFlags(MPTCP_PM_ADDR_FLAG_SUBFLOW | MPTCP_PM_ADDR_FLAG_BACKUP),
            ifindex: Some(3),
            other: Vec::new(),
        }
    }

    #[test]
    fn record_json_shape() {
        let r = EndpointRecord::new(&endpoint(), &|i| (i == 3).then(|| "c2".to_owned()));
        insta::assert_json_snapshot!(r, @r#"
        {
          "id": 1,
          "address": "10.0.2.1",
          "port": null,
          "dev": "c2",
          "ifindex": 3,
          "flags": [
            "subflow",
            "backup"
          ],
          "raw_flags": 6
        }
        "#);
    }

    #[test]
    fn table() {
        let r = EndpointsReport {
            endpoints: vec![EndpointRecord::new(&endpoint(), &|_| None)],
        };
        let mut buf = Vec::new();
        r.render(&mut buf, Style::default()).unwrap();
        insta::assert_snapshot!(String::from_utf8(buf).unwrap(), @r"
        ID  Address   Port  Dev   Flags
        1   10.0.2.1        if#3  subflow backup
        ");
    }

    #[test]
    fn set_changes_only_what_was_asked() {
        let f = MPTCP_PM_ADDR_FLAG_SUBFLOW | MPTCP_PM_ADDR_FLAG_FULLMESH;
        assert_eq!(
            apply_set_flags(f, &[SetFlag::Backup]),
            f | MPTCP_PM_ADDR_FLAG_BACKUP,
            "fullmesh stays"
        );
        assert_eq!(
            apply_set_flags(f, &[SetFlag::Nofullmesh]),
            MPTCP_PM_ADDR_FLAG_SUBFLOW
        );
    }

    #[test]
    fn add_checks_like_ip() {
        let a = |flags: Vec<AddFlag>, port| AddArgs {
            address: IpAddr::from([10, 0, 0, 1]),
            flags,
            id: None,
            port,
            dev: None,
        };
        assert!(check_add(&a(vec![AddFlag::Signal, AddFlag::Fullmesh], None)).is_err());
        assert!(check_add(&a(vec![AddFlag::Subflow], Some(80))).is_err());
        assert!(check_add(&a(vec![AddFlag::Signal], Some(80))).is_ok());
    }
}
