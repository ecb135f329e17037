//! rtnetlink (NETLINK_ROUTE): interfaces, addresses, routes and policy rules, and which
//! route the kernel would pick for traffic leaving from one address.
//!
//! Facts from `include/uapi/linux/rtnetlink.h` (`rtmsg`, `RTA_*`, `RTN_*`, `rtnexthop`),
//! `if_link.h` (`ifinfomsg`, `IFLA_*`), `if_addr.h` (`ifaddrmsg`, `IFA_*`), `fib_rules.h`
//! (`fib_rule_hdr`, `FRA_*`, `FR_ACT_*`) and `if.h` (`IFF_*`, `IF_OPER_*`); `ip link`, `ip addr`,
//! `ip route show table all` and `ip rule` send the same four dumps.
//!
//! A multi-homed MPTCP host needs each subflow to leave by the interface of its source
//! address: policy routing (`ip rule add from ADDR table N` and a default route via that
//! interface in table N), or a main-table route via it. [`default_route`] answers "where does
//! traffic from this address to some far-away peer go?" by walking the rules in priority order
//! as `fib_rules_lookup` does, looking each table up for a default route, honouring `oif`
//! (an endpoint bound to a device), `suppress_prefixlength`, `not`, and blackhole, unreachable,
//! prohibit and throw; selectors it cannot evaluate for a generic destination (`to`, `tos`,
//! `uidrange`, port ranges, `l3mdev`, tunnel ids) make a rule not apply.
//!
//! Unknown attributes are ignored here: these views keep only what the checks need.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{NLM_F_DUMP, NLM_F_REQUEST};
use serde::Serialize;

use super::KernelError;
use super::netlink::{
    self, Netlink, Protocol, Reply, attrs, data_messages, exact_u32, u8_at, u16_at, u32_at,
};
use super::sock_diag::{AF_INET, AF_INET6};

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_GETADDR: u16 = 22;
pub const RTM_NEWROUTE: u16 = 24;
pub const RTM_GETROUTE: u16 = 26;
pub const RTM_NEWRULE: u16 = 32;
pub const RTM_GETRULE: u16 = 34;

pub const IFLA_IFNAME: u16 = 3;
pub const IFLA_OPERSTATE: u16 = 16;

pub const IFF_UP: u32 = 0x1;
pub const IFF_LOOPBACK: u32 = 0x8;
pub const IFF_LOWER_UP: u32 = 0x1_0000;

pub const IFA_ADDRESS: u16 = 1;
pub const IFA_LOCAL: u16 = 2;
pub const IFA_FLAGS: u16 = 8;
pub const IFA_F_DADFAILED: u32 = 0x08;
pub const IFA_F_TENTATIVE: u32 = 0x40;

pub const RTA_DST: u16 = 1;
pub const RTA_OIF: u16 = 4;
pub const RTA_GATEWAY: u16 = 5;
pub const RTA_PRIORITY: u16 = 6;
pub const RTA_MULTIPATH: u16 = 9;
pub const RTA_TABLE: u16 = 15;
pub const RTA_VIA: u16 = 18;

pub const RT_TABLE_MAIN: u32 = 254;
pub const RT_TABLE_LOCAL: u32 = 255;
pub const RT_TABLE_DEFAULT: u32 = 253;

pub const FRA_SRC: u16 = 2;
pub const FRA_IIFNAME: u16 = 3;
pub const FRA_PRIORITY: u16 = 6;
pub const FRA_FWMARK: u16 = 10;
pub const FRA_TUN_ID: u16 = 12;
pub const FRA_SUPPRESS_PREFIXLEN: u16 = 14;
pub const FRA_TABLE: u16 = 15;
pub const FRA_FWMASK: u16 = 16;
pub const FRA_OIFNAME: u16 = 17;
pub const FRA_L3MDEV: u16 = 19;
pub const FRA_UID_RANGE: u16 = 20;
pub const FRA_IP_PROTO: u16 = 22;
pub const FRA_SPORT_RANGE: u16 = 23;
pub const FRA_DPORT_RANGE: u16 = 24;

pub const FR_ACT_TO_TBL: u8 = 1;
pub const FIB_RULE_INVERT: u32 = 0x2;

/// Length of `ifinfomsg`, `ifaddrmsg`, `rtmsg` and `fib_rule_hdr`.
const IFINFOMSG_LEN: usize = 16;
const IFADDRMSG_LEN: usize = 8;
const RTMSG_LEN: usize = 12;
const FIB_RULE_HDR_LEN: usize = 12;

/// `IF_OPER_*` (RFC 2863 operational states), as `ip link` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperState {
    Unknown,
    NotPresent,
    Down,
    LowerLayerDown,
    Testing,
    Dormant,
    Up,
    Other(u8),
}

impl OperState {
    #[must_use]
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Unknown,
            1 => Self::NotPresent,
            2 => Self::Down,
            3 => Self::LowerLayerDown,
            4 => Self::Testing,
            5 => Self::Dormant,
            6 => Self::Up,
            v => Self::Other(v),
        }
    }

    /// The word `ip link` prints (`state UP`, `state LOWERLAYERDOWN`).
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Self::Unknown => "UNKNOWN".into(),
            Self::NotPresent => "NOTPRESENT".into(),
            Self::Down => "DOWN".into(),
            Self::LowerLayerDown => "LOWERLAYERDOWN".into(),
            Self::Testing => "TESTING".into(),
            Self::Dormant => "DORMANT".into(),
            Self::Up => "UP".into(),
            Self::Other(v) => format!("STATE-{v}"),
        }
    }
}

/// One interface (`ip link`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// `ifi_flags`: `IFF_UP` is the administrative state, `IFF_LOWER_UP` the carrier.
    pub flags: u32,
    pub operstate: Option<OperState>,
}

impl Link {
    #[must_use]
    pub fn loopback(&self) -> bool {
        self.flags & IFF_LOOPBACK != 0
    }

    #[must_use]
    pub fn admin_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// Up and able to carry traffic: `IFF_LOWER_UP`, and an operational state that is not
    /// down (`UNKNOWN` is what loopback and many tunnels report while working).
    #[must_use]
    pub fn carrier(&self) -> bool {
        self.flags & IFF_LOWER_UP != 0
            && !matches!(
                self.operstate,
                Some(OperState::Down | OperState::LowerLayerDown | OperState::NotPresent)
            )
    }
}

/// One address (`ip addr`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Address {
    pub index: u32,
    pub address: IpAddr,
    pub prefix_len: u8,
    pub scope: u8,
    /// `IFA_FLAGS` when sent, else the 8-bit `ifa_flags`.
    pub flags: u32,
}

impl Address {
    /// An IPv6 address still in duplicate address detection, or one that failed it: the
    /// kernel does not let sockets bind to it.
    #[must_use]
    pub fn unusable(&self) -> bool {
        self.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED) != 0
    }
}

/// `rtm_type` (`RTN_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteType {
    Unicast,
    Local,
    Broadcast,
    Anycast,
    Multicast,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
    Other(u8),
}

impl RouteType {
    #[must_use]
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Unicast,
            2 => Self::Local,
            3 => Self::Broadcast,
            4 => Self::Anycast,
            5 => Self::Multicast,
            6 => Self::Blackhole,
            7 => Self::Unreachable,
            8 => Self::Prohibit,
            9 => Self::Throw,
            v => Self::Other(v),
        }
    }

    /// The word `ip route` prints before a route of this type.
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Self::Unicast => "unicast".into(),
            Self::Local => "local".into(),
            Self::Broadcast => "broadcast".into(),
            Self::Anycast => "anycast".into(),
            Self::Multicast => "multicast".into(),
            Self::Blackhole => "blackhole".into(),
            Self::Unreachable => "unreachable".into(),
            Self::Prohibit => "prohibit".into(),
            Self::Throw => "throw".into(),
            Self::Other(v) => format!("type {v}"),
        }
    }
}

/// One route (`ip route show table all`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub family: u8,
    pub table: u32,
    pub kind: RouteType,
    /// `None` for a default route.
    pub dst: Option<IpAddr>,
    pub dst_len: u8,
    /// `RTA_PRIORITY`, the metric; 0 when absent.
    pub metric: u32,
    /// Output interfaces: `RTA_OIF`, or one per nexthop of a multipath route.
    pub oifs: Vec<u32>,
    pub gateway: Option<IpAddr>,
}

impl Route {
    /// Whether `addr` falls in this route's destination prefix.
    #[must_use]
    pub fn covers(&self, addr: IpAddr) -> bool {
        self.dst_len == 0 || self.dst.is_some_and(|d| in_prefix(addr, d, self.dst_len))
    }
}

/// One policy rule (`ip rule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub family: u8,
    pub priority: u32,
    pub src: Option<IpAddr>,
    pub src_len: u8,
    pub dst_len: u8,
    pub tos: u8,
    pub action: u8,
    pub table: u32,
    pub invert: bool,
    pub iifname: Option<String>,
    pub oifname: Option<String>,
    pub fwmark: u32,
    pub fwmask: Option<u32>,
    /// `suppress_prefixlength`: routes with a prefix this short or shorter are ignored.
    pub suppress_prefixlen: Option<u32>,
    pub ip_proto: Option<u8>,
    /// Selectors a generic lookup cannot evaluate (uid range, ports, l3mdev, tunnel id).
    pub unevaluated: bool,
}

impl Rule {
    /// `ip rule add pref PRIORITY table TABLE`: every packet of `family` looks `table` up.
    #[must_use]
    pub fn lookup(family: u8, priority: u32, table: u32) -> Rule {
        Rule {
            family,
            priority,
            src: None,
            src_len: 0,
            dst_len: 0,
            tos: 0,
            action: FR_ACT_TO_TBL,
            table,
            invert: false,
            iifname: None,
            oifname: None,
            fwmark: 0,
            fwmask: None,
            suppress_prefixlen: None,
            ip_proto: None,
            unevaluated: false,
        }
    }
}

/// Everything the checks need from rtnetlink, read at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Network {
    pub links: Vec<Link>,
    pub addresses: Vec<Address>,
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
}

impl Network {
    #[must_use]
    pub fn link(&self, index: u32) -> Option<&Link> {
        self.links.iter().find(|l| l.index == index)
    }

    #[must_use]
    pub fn link_named(&self, name: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.name == name)
    }

    /// The interface name of `index`, or `if#N` when it has none.
    #[must_use]
    pub fn name(&self, index: u32) -> String {
        self.link(index)
            .map_or_else(|| format!("if#{index}"), |l| l.name.clone())
    }

    /// The addresses equal to `addr` (one per interface that has it).
    pub fn find_address(&self, addr: IpAddr) -> impl Iterator<Item = &Address> {
        let addr = addr.to_canonical();
        self.addresses
            .iter()
            .filter(move |a| a.address.to_canonical() == addr)
    }
}

/// A dump request with an empty header of `header_len` bytes whose first byte is `family`.
fn dump_request(kind: u16, header_len: usize, family: u8) -> Vec<u8> {
    let mut header = vec![0u8; header_len];
    header[0] = family;
    netlink::message(kind, NLM_F_REQUEST | NLM_F_DUMP, &header)
}

/// `RTM_GETLINK` dump: every interface.
#[must_use]
pub fn links_request() -> Vec<u8> {
    dump_request(RTM_GETLINK, IFINFOMSG_LEN, 0)
}

/// `RTM_GETADDR` dump for both families.
#[must_use]
pub fn addresses_request() -> Vec<u8> {
    dump_request(RTM_GETADDR, IFADDRMSG_LEN, 0)
}

/// `RTM_GETROUTE` dump of `family`, every table.
#[must_use]
pub fn routes_request(family: u8) -> Vec<u8> {
    dump_request(RTM_GETROUTE, RTMSG_LEN, family)
}

/// `RTM_GETRULE` dump of `family`.
#[must_use]
pub fn rules_request(family: u8) -> Vec<u8> {
    dump_request(RTM_GETRULE, FIB_RULE_HDR_LEN, family)
}

fn header<'a>(payload: &'a [u8], len: usize, what: &str) -> Result<&'a [u8], KernelError> {
    payload.get(..len).ok_or_else(|| {
        netlink::malformed(
            what,
            format!("header is {} bytes, expected {len}", payload.len()),
        )
    })
}

fn ip(family: u8, v: &[u8]) -> Option<IpAddr> {
    match family {
        AF_INET => Some(Ipv4Addr::from(<[u8; 4]>::try_from(v).ok()?).into()),
        AF_INET6 => Some(Ipv6Addr::from(<[u8; 16]>::try_from(v).ok()?).into()),
        _ => None,
    }
}

/// The interfaces in an `RTM_GETLINK` dump.
pub fn parse_links(reply: &Reply) -> Result<Vec<Link>, KernelError> {
    const WHAT: &str = "RTM_GETLINK";
    let mut out = Vec::new();
    for m in data_messages(reply) {
        let m = m?;
        if m.kind != RTM_NEWLINK {
            continue;
        }
        let h = header(m.payload, IFINFOMSG_LEN, WHAT)?;
        let mut link = Link {
            index: u32_at(h, 4).unwrap_or_default(),
            name: String::new(),
            flags: u32_at(h, 8).unwrap_or_default(),
            operstate: None,
        };
        for a in attrs(&m.payload[IFINFOMSG_LEN..], WHAT) {
            let a = a?;
            match a.kind {
                IFLA_IFNAME => link.name = netlink::string(a.value),
                IFLA_OPERSTATE => link.operstate = u8_at(a.value, 0).map(OperState::from_u8),
                _ => {}
            }
        }
        out.push(link);
    }
    Ok(out)
}

/// The addresses in an `RTM_GETADDR` dump.
pub fn parse_addresses(reply: &Reply) -> Result<Vec<Address>, KernelError> {
    const WHAT: &str = "RTM_GETADDR";
    let mut out = Vec::new();
    for m in data_messages(reply) {
        let m = m?;
        if m.kind != RTM_NEWADDR {
            continue;
        }
        let h = header(m.payload, IFADDRMSG_LEN, WHAT)?;
        let family = h[0];
        let (mut address, mut local, mut flags) = (None, None, u32::from(h[2]));
        for a in attrs(&m.payload[IFADDRMSG_LEN..], WHAT) {
            let a = a?;
            match a.kind {
                IFA_ADDRESS => address = ip(family, a.value),
                IFA_LOCAL => local = ip(family, a.value),
                IFA_FLAGS => flags = exact_u32(a.value).unwrap_or(flags),
                _ => {}
            }
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on a
        // point-to-point link (and the same as IFA_LOCAL otherwise, or alone for IPv6).
        if let Some(address) = local.or(address) {
            out.push(Address {
                index: u32_at(h, 4).unwrap_or_default(),
                address,
                prefix_len: h[1],
                scope: h[3],
                flags,
            });
        }
    }
    Ok(out)
}

/// The routes in an `RTM_GETROUTE` dump.
pub fn parse_routes(reply: &Reply) -> Result<Vec<Route>, KernelError> {
    const WHAT: &str = "RTM_GETROUTE";
    let mut out = Vec::new();
    for m in data_messages(reply) {
        let m = m?;
        if m.kind != RTM_NEWROUTE {
            continue;
        }
        let h = header(m.payload, RTMSG_LEN, WHAT)?;
        let family = h[0];
        let mut r = Route {
            family,
            table: u32::from(h[4]),
            kind: RouteType::from_u8(h[7]),
            dst: None,
            dst_len: h[1],
            metric: 0,
            oifs: Vec::new(),
            gateway: None,
        };
        for a in attrs(&m.payload[RTMSG_LEN..], WHAT) {
            let a = a?;
            match a.kind {
                RTA_DST => r.dst = ip(family, a.value),
                RTA_TABLE => r.table = exact_u32(a.value).unwrap_or(r.table),
                RTA_PRIORITY => r.metric = exact_u32(a.value).unwrap_or_default(),
                RTA_OIF => r.oifs.extend(exact_u32(a.value)),
                RTA_GATEWAY => r.gateway = ip(family, a.value),
                // An IPv6 nexthop of an IPv4 route: family (u16), then the address.
                RTA_VIA => {
                    r.gateway = a
                        .value
                        .get(2..)
                        .and_then(|v| ip(if v.len() == 4 { AF_INET } else { AF_INET6 }, v));
                }
                RTA_MULTIPATH => r.oifs.extend(nexthop_oifs(a.value)),
                _ => {}
            }
        }
        out.push(r);
    }
    Ok(out)
}

/// `struct rtnexthop` entries: `rtnh_len` (u16), flags, hops, `rtnh_ifindex` (int), attributes.
fn nexthop_oifs(mut b: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    while let (Some(len), Some(index)) = (u16_at(b, 0), u32_at(b, 4)) {
        let len = usize::from(len);
        if len < 8 {
            break;
        }
        out.push(index);
        b = b.get(netlink::align4(len)..).unwrap_or_default();
    }
    out
}

/// The rules in an `RTM_GETRULE` dump, in the kernel's order (by priority).
pub fn parse_rules(reply: &Reply) -> Result<Vec<Rule>, KernelError> {
    const WHAT: &str = "RTM_GETRULE";
    let mut out = Vec::new();
    for m in data_messages(reply) {
        let m = m?;
        if m.kind != RTM_NEWRULE {
            continue;
        }
        let hdr = header(m.payload, FIB_RULE_HDR_LEN, WHAT)?;
        let family = hdr[0];
        let mut rule = Rule {
            family,
            priority: 0,
            src: None,
            src_len: hdr[2],
            dst_len: hdr[1],
            tos: hdr[3],
            action: hdr[7],
            table: u32::from(hdr[4]),
            invert: u32_at(hdr, 8).unwrap_or_default() & FIB_RULE_INVERT != 0,
            iifname: None,
            oifname: None,
            fwmark: 0,
            fwmask: None,
            suppress_prefixlen: None,
            ip_proto: None,
            unevaluated: false,
        };
        for a in attrs(&m.payload[FIB_RULE_HDR_LEN..], WHAT) {
            let a = a?;
            let v = a.value;
            match a.kind {
                FRA_SRC => rule.src = ip(family, v),
                FRA_PRIORITY => rule.priority = exact_u32(v).unwrap_or_default(),
                FRA_TABLE => rule.table = exact_u32(v).unwrap_or(rule.table),
                FRA_IIFNAME => rule.iifname = Some(netlink::string(v)),
                FRA_OIFNAME => rule.oifname = Some(netlink::string(v)),
                FRA_FWMARK => rule.fwmark = exact_u32(v).unwrap_or_default(),
                FRA_FWMASK => rule.fwmask = exact_u32(v),
                // -1 (all ones) means "not set".
                FRA_SUPPRESS_PREFIXLEN => {
                    rule.suppress_prefixlen = exact_u32(v).filter(|&n| n != u32::MAX);
                }
                FRA_IP_PROTO => rule.ip_proto = u8_at(v, 0),
                FRA_UID_RANGE | FRA_SPORT_RANGE | FRA_DPORT_RANGE | FRA_TUN_ID => {
                    rule.unevaluated = true;
                }
                FRA_L3MDEV => rule.unevaluated |= u8_at(v, 0).is_some_and(|x| x != 0),
                _ => {}
            }
        }
        out.push(rule);
    }
    Ok(out)
}

/// Reads interfaces, addresses, routes and rules of the current namespace.
pub fn fetch() -> Result<Network, KernelError> {
    let mut nl = Netlink::open(Protocol::Route)?;
    let links = parse_links(&nl.request("RTM_GETLINK", links_request())?)?;
    let addresses = parse_addresses(&nl.request("RTM_GETADDR", addresses_request())?)?;
    let mut routes = Vec::new();
    let mut rules = Vec::new();
    for family in [AF_INET, AF_INET6] {
        routes.extend(parse_routes(
            &nl.request("RTM_GETROUTE", routes_request(family))?,
        )?);
        rules.extend(parse_rules(
            &nl.request("RTM_GETRULE", rules_request(family))?,
        )?);
    }
    Ok(Network {
        links,
        addresses,
        routes,
        rules,
    })
}

/// The raw replies of [`fetch`], for recording fixtures: links, addresses, then routes and
/// rules of IPv4 and IPv6.
pub fn fetch_replies() -> Result<Vec<(&'static str, Reply)>, KernelError> {
    let mut nl = Netlink::open(Protocol::Route)?;
    Ok(vec![
        ("links", nl.request("RTM_GETLINK", links_request())?),
        ("addresses", nl.request("RTM_GETADDR", addresses_request())?),
        (
            "routes4",
            nl.request("RTM_GETROUTE", routes_request(AF_INET))?,
        ),
        (
            "routes6",
            nl.request("RTM_GETROUTE", routes_request(AF_INET6))?,
        ),
        ("rules4", nl.request("RTM_GETRULE", rules_request(AF_INET))?),
        (
            "rules6",
            nl.request("RTM_GETRULE", rules_request(AF_INET6))?,
        ),
    ])
}

/// Whether `addr` lies in `prefix/len` (both of one family; IPv4-mapped IPv6 counts as IPv4).
#[must_use]
pub fn in_prefix(addr: IpAddr, prefix: IpAddr, len: u8) -> bool {
    fn masked(bytes: &[u8], len: u8) -> Vec<u8> {
        let mut out = bytes.to_vec();
        let full = usize::from(len / 8);
        for (i, b) in out.iter_mut().enumerate() {
            if i == full {
                *b &= 0xffu8.checked_shl(u32::from(8 - len % 8)).unwrap_or(0);
            } else if i > full {
                *b = 0;
            }
        }
        out
    }
    match (addr.to_canonical(), prefix.to_canonical()) {
        (IpAddr::V4(a), IpAddr::V4(p)) if len <= 32 => {
            masked(&a.octets(), len) == masked(&p.octets(), len)
        }
        (IpAddr::V6(a), IpAddr::V6(p)) if len <= 128 => {
            masked(&a.octets(), len) == masked(&p.octets(), len)
        }
        _ => false,
    }
}

fn family_of(addr: IpAddr) -> u8 {
    match addr.to_canonical() {
        IpAddr::V4(_) => AF_INET,
        IpAddr::V6(_) => AF_INET6,
    }
}

/// Where traffic from one address to a far-away peer goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Lookup {
    /// A unicast default route.
    Route {
        table: u32,
        /// The rule that led there; `None` when the rule list could not be read.
        rule_priority: Option<u32>,
        oifs: Vec<u32>,
        gateway: Option<IpAddr>,
        metric: u32,
    },
    /// A rule or a default route that drops the traffic.
    Blocked {
        table: Option<u32>,
        rule_priority: Option<u32>,
        kind: RouteType,
    },
    /// No rule leads to a default route.
    NoRoute,
}

/// The kernel's three default rules, for a kernel without policy routing
/// (`CONFIG_IP_MULTIPLE_TABLES` off) whose rule dump came back empty.
fn default_rules(family: u8) -> Vec<Rule> {
    [
        (0, RT_TABLE_LOCAL),
        (32766, RT_TABLE_MAIN),
        (32767, RT_TABLE_DEFAULT),
    ]
    .into_iter()
    .map(|(priority, table)| Rule::lookup(family, priority, table))
    .collect()
}

/// Whether `rule`'s selectors match a TCP packet sent by this host from `src`, bound to the
/// interface named `oif_name` if any, to a destination we know nothing about.
fn rule_matches(rule: &Rule, src: IpAddr, oif_name: Option<&str>) -> bool {
    if rule.unevaluated || rule.dst_len != 0 || rule.tos != 0 {
        return false;
    }
    let selected = (rule.src_len == 0 || rule.src.is_some_and(|p| in_prefix(src, p, rule.src_len)))
        // Locally generated traffic has the loopback device as its input interface.
        && rule.iifname.as_deref().is_none_or(|n| n == "lo")
        && rule.oifname.as_deref().is_none_or(|n| Some(n) == oif_name)
        // Our traffic has no firewall mark: (0 ^ mark) & mask must be 0.
        && rule.fwmark & rule.fwmask.unwrap_or(u32::MAX) == 0
        && rule.ip_proto.is_none_or(|p| p == 6);
    selected != rule.invert
}

/// Which default route the kernel would use for traffic from `src` (bound to interface `oif`
/// when the endpoint names a device), following the policy rules.
#[must_use]
pub fn default_route(net: &Network, src: IpAddr, oif: Option<u32>) -> Lookup {
    let family = family_of(src);
    let mut rules: Vec<Rule> = net
        .rules
        .iter()
        .filter(|r| r.family == family)
        .cloned()
        .collect();
    let have_rules = !rules.is_empty();
    if !have_rules {
        rules = default_rules(family);
    }
    rules.sort_by_key(|r| r.priority);
    let oif_name = oif.and_then(|i| net.link(i)).map(|l| l.name.as_str());
    for rule in &rules {
        if !rule_matches(rule, src, oif_name) {
            continue;
        }
        let priority = have_rules.then_some(rule.priority);
        match rule.action {
            FR_ACT_TO_TBL => {}
            // FR_ACT_BLACKHOLE, FR_ACT_UNREACHABLE, FR_ACT_PROHIBIT.
            6..=8 => {
                return Lookup::Blocked {
                    table: None,
                    rule_priority: priority,
                    kind: RouteType::from_u8(rule.action),
                };
            }
            // FR_ACT_NOP, FR_ACT_GOTO and anything newer: go on with the next rule.
            _ => continue,
        }
        if rule.suppress_prefixlen.is_some() {
            // A default route has prefix length 0, which any suppress_prefixlength ignores.
            continue;
        }
        let mut defaults: Vec<&Route> = net
            .routes
            .iter()
            .filter(|r| r.family == family && r.table == rule.table && r.dst_len == 0)
            .filter(|r| {
                // A socket bound to a device only uses routes through it (fib_lookup with
                // flowi_oif); routes that drop traffic apply to every device.
                r.kind != RouteType::Unicast || oif.is_none_or(|i| r.oifs.contains(&i))
            })
            .collect();
        defaults.sort_by_key(|r| r.metric);
        match defaults.first() {
            None => {}
            Some(r) if r.kind == RouteType::Unicast => {
                return Lookup::Route {
                    table: rule.table,
                    rule_priority: priority,
                    oifs: r.oifs.clone(),
                    gateway: r.gateway,
                    metric: r.metric,
                };
            }
            Some(r) if r.kind == RouteType::Throw => {}
            Some(r) => {
                return Lookup::Blocked {
                    table: Some(rule.table),
                    rule_priority: priority,
                    kind: r.kind,
                };
            }
        }
    }
    Lookup::NoRoute
}

/// The unicast routes of the main table (and any table a rule for `src` leads to) that
/// leave by interface `oif`: the networks a subflow from `src` can reach without a default
/// route.
#[must_use]
pub fn routes_via(net: &Network, src: IpAddr, oif: u32) -> Vec<&Route> {
    let family = family_of(src);
    let tables: Vec<u32> = std::iter::once(RT_TABLE_MAIN)
        .chain(
            net.rules
                .iter()
                .filter(|r| r.family == family && r.action == FR_ACT_TO_TBL)
                .filter(|r| rule_matches(r, src, None) && r.table != RT_TABLE_LOCAL)
                .map(|r| r.table),
        )
        .collect();
    net.routes
        .iter()
        .filter(|r| {
            r.family == family
                && r.kind == RouteType::Unicast
                && tables.contains(&r.table)
                && r.oifs.contains(&oif)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, name: &str) -> Link {
        Link {
            index,
            name: name.into(),
            flags: IFF_UP | IFF_LOWER_UP,
            operstate: Some(OperState::Up),
        }
    }

    fn route(table: u32, dst: Option<&str>, oif: u32, metric: u32) -> Route {
        let (dst, dst_len) = match dst {
            None => (None, 0),
            Some(d) => {
                let (a, l) = d.split_once('/').unwrap();
                (Some(a.parse().unwrap()), l.parse().unwrap())
            }
        };
        Route {
            family: AF_INET,
            table,
            kind: RouteType::Unicast,
            dst,
            dst_len,
            metric,
            oifs: vec![oif],
            gateway: None,
        }
    }

    fn rule(priority: u32, from: Option<&str>, table: u32) -> Rule {
        let mut r = Rule::lookup(AF_INET, priority, table);
        if let Some(f) = from {
            let (a, l) = f.split_once('/').unwrap();
            r.src = Some(a.parse().unwrap());
            r.src_len = l.parse().unwrap();
        }
        r
    }

    /// Two interfaces: eth0 (2) with the main default route, eth1 (3) with 10.0.2.1.
    fn two_uplinks() -> Network {
        Network {
            links: vec![link(1, "lo"), link(2, "eth0"), link(3, "eth1")],
            addresses: Vec::new(),
            routes: vec![
                route(RT_TABLE_MAIN, None, 2, 0),
                route(RT_TABLE_MAIN, Some("10.0.1.0/24"), 2, 0),
                route(RT_TABLE_MAIN, Some("10.0.2.0/24"), 3, 0),
            ],
            rules: default_rules(AF_INET),
        }
    }

    #[test]
    fn prefixes() {
        let a: IpAddr = "10.0.2.1".parse().unwrap();
        assert!(in_prefix(a, "10.0.0.0".parse().unwrap(), 16));
        assert!(in_prefix(a, "10.0.2.1".parse().unwrap(), 32));
        assert!(!in_prefix(a, "10.0.3.0".parse().unwrap(), 24));
        assert!(in_prefix(a, "0.0.0.0".parse().unwrap(), 0));
        assert!(in_prefix(a, "10.0.2.0".parse().unwrap(), 23));
        assert!(!in_prefix(a, "10.0.4.0".parse().unwrap(), 23));
        assert!(!in_prefix(a, "::".parse().unwrap(), 0), "families differ");
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(in_prefix(v6, "2001:db8::".parse().unwrap(), 32));
        assert!(!in_prefix(v6, "2001:db9::".parse().unwrap(), 32));
    }

    #[test]
    fn without_policy_routing_traffic_takes_the_main_default() {
        let net = two_uplinks();
        let from: IpAddr = "10.0.2.1".parse().unwrap();
        assert_eq!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                rule_priority: Some(32766),
                oifs: vec![2],
                gateway: None,
                metric: 0
            }
        );
        // Bound to eth1, the eth0 default does not apply: no default route at all.
        assert_eq!(default_route(&net, from, Some(3)), Lookup::NoRoute);
        // But eth1 still reaches its own subnet.
        let via: Vec<_> = routes_via(&net, from, 3).iter().map(|r| r.dst).collect();
        assert_eq!(via, vec![Some("10.0.2.0".parse().unwrap())]);
    }

    #[test]
    fn a_rule_from_the_address_leads_to_its_own_table() {
        let mut net = two_uplinks();
        net.rules.push(rule(100, Some("10.0.2.1/32"), 102));
        net.routes.push(route(102, None, 3, 0));
        let from: IpAddr = "10.0.2.1".parse().unwrap();
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route { table: 102, rule_priority: Some(100), ref oifs, .. } if oifs == &[3]
        ));
        // Another source address is not selected by the rule.
        assert!(matches!(
            default_route(&net, "10.0.1.1".parse().unwrap(), None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
        // A rule whose table has no default route falls through to the next rule.
        net.routes.retain(|r| r.table != 102);
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
    }

    #[test]
    fn metrics_and_bound_devices_pick_among_defaults() {
        let mut net = two_uplinks();
        net.routes.push(route(RT_TABLE_MAIN, None, 3, 200));
        net.routes[0].metric = 100;
        let from: IpAddr = "10.0.2.1".parse().unwrap();
        assert!(
            matches!(default_route(&net, from, None), Lookup::Route { ref oifs, .. } if oifs == &[2])
        );
        assert!(
            matches!(default_route(&net, from, Some(3)), Lookup::Route { ref oifs, metric: 200, .. } if oifs == &[3])
        );
    }

    #[test]
    fn blackholes_throws_inversion_and_suppression() {
        let from: IpAddr = "10.0.2.1".parse().unwrap();
        let mut net = two_uplinks();
        let mut b = route(102, None, 0, 0);
        b.kind = RouteType::Blackhole;
        b.oifs.clear();
        net.routes.push(b);
        net.rules.push(rule(100, Some("10.0.2.0/24"), 102));
        assert_eq!(
            default_route(&net, from, None),
            Lookup::Blocked {
                table: Some(102),
                rule_priority: Some(100),
                kind: RouteType::Blackhole
            }
        );
        // `not from 10.0.2.0/24`: our address is no longer selected.
        net.rules.last_mut().unwrap().invert = true;
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
        // `table main suppress_prefixlength 0` (wg-quick): the main default is ignored.
        let mut net = two_uplinks();
        let mut s = rule(100, None, RT_TABLE_MAIN);
        s.suppress_prefixlen = Some(0);
        net.rules.push(s);
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                rule_priority: Some(32766),
                ..
            }
        ));
        // A throw route sends the lookup on to the next rule.
        let mut net = two_uplinks();
        let mut t = route(102, None, 0, 0);
        t.kind = RouteType::Throw;
        net.routes.push(t);
        net.rules.push(rule(100, None, 102));
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
    }

    #[test]
    fn selectors_we_cannot_evaluate_make_a_rule_not_apply() {
        let from: IpAddr = "10.0.2.1".parse().unwrap();
        let mut net = two_uplinks();
        net.routes.push(route(102, None, 3, 0));
        let mut r = rule(100, None, 102);
        r.unevaluated = true;
        net.rules.push(r.clone());
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
        // `fwmark 0x1`: our traffic carries no mark.
        r.unevaluated = false;
        r.fwmark = 1;
        net.rules.push(r.clone());
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
        // `iif lo` matches locally generated traffic; `oif eth1` only a socket bound there.
        r.fwmark = 0;
        r.iifname = Some("lo".into());
        r.oifname = Some("eth1".into());
        net.rules.push(r);
        assert!(matches!(
            default_route(&net, from, Some(3)),
            Lookup::Route { table: 102, .. }
        ));
        assert!(matches!(
            default_route(&net, from, None),
            Lookup::Route {
                table: RT_TABLE_MAIN,
                ..
            }
        ));
    }

    /// The recorded namespace of testdata/README.md: c1 10.0.1.1/24 with the main default
    /// via 10.0.1.2, c2 10.0.2.1/24 with `from 10.0.2.1 table 102` and a default via 10.0.2.2
    /// there, c3 10.0.3.1/24 set down, 2001:db8:1::1/64 on c1.
    #[cfg(target_endian = "little")]
    fn recorded() -> Network {
        use crate::kernel::netlink::testing::fixture;
        let read = |name: &str| fixture(&format!("rtnl-{name}.bin"));
        let mut routes = parse_routes(&read("routes4")).unwrap();
        routes.extend(parse_routes(&read("routes6")).unwrap());
        let mut rules = parse_rules(&read("rules4")).unwrap();
        rules.extend(parse_rules(&read("rules6")).unwrap());
        Network {
            links: parse_links(&read("links")).unwrap(),
            addresses: parse_addresses(&read("addresses")).unwrap(),
            routes,
            rules,
        }
    }

    #[cfg(target_endian = "little")]
    #[test]
    fn recorded_multi_homed_namespace() {
        let net = recorded();
        let names: Vec<_> = net.links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["lo", "c1", "c2", "c3"]);
        let c2 = net.link_named("c2").unwrap();
        assert!(c2.admin_up() && c2.carrier());
        let c3 = net.link_named("c3").unwrap();
        assert!(!c3.admin_up());
        assert!(net.link_named("lo").unwrap().loopback());
        let a = net
            .find_address("10.0.2.1".parse().unwrap())
            .next()
            .unwrap();
        assert_eq!((a.index, a.prefix_len), (c2.index, 24));
        assert!(
            net.find_address("2001:db8:1::1".parse().unwrap())
                .next()
                .is_some()
        );
        // The rules: local, ours at 100, main, default; for IPv6 local and main.
        let v4: Vec<_> = net
            .rules
            .iter()
            .filter(|r| r.family == AF_INET)
            .map(|r| (r.priority, r.table))
            .collect();
        assert_eq!(
            v4,
            [
                (0, RT_TABLE_LOCAL),
                (100, 102),
                (32766, RT_TABLE_MAIN),
                (32767, RT_TABLE_DEFAULT)
            ]
        );
        assert_eq!(net.rules[1].src, Some("10.0.2.1".parse().unwrap()));
        assert_eq!(net.rules[1].src_len, 32);
        // What `ip route get 192.0.2.99 from ...` answered in that namespace.
        let c1 = net.link_named("c1").unwrap().index;
        assert!(matches!(
            default_route(&net, "10.0.2.1".parse().unwrap(), None),
            Lookup::Route { table: 102, rule_priority: Some(100), ref oifs, gateway: Some(g), .. }
                if oifs == &[c2.index] && g == IpAddr::from([10, 0, 2, 2])
        ));
        assert!(matches!(
            default_route(&net, "10.0.1.1".parse().unwrap(), None),
            Lookup::Route { table: RT_TABLE_MAIN, ref oifs, .. } if oifs == &[c1]
        ));
        assert_eq!(
            default_route(&net, "2001:db8:1::1".parse().unwrap(), None),
            Lookup::NoRoute
        );
        let local = net
            .routes
            .iter()
            .filter(|r| r.table == RT_TABLE_LOCAL && r.kind == RouteType::Local)
            .count();
        assert!(
            local >= 4,
            "local routes of 127.0.0.1 and the three addresses"
        );
    }

    #[test]
    fn nexthops_of_a_multipath_route() {
        // Two rtnexthop entries: 8-byte header, then (for the second) an RTA_GATEWAY.
        let mut b = Vec::new();
        b.extend_from_slice(&8u16.to_ne_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&2u32.to_ne_bytes());
        b.extend_from_slice(&16u16.to_ne_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&3u32.to_ne_bytes());
        netlink::put_attr(&mut b, RTA_GATEWAY, &[10, 0, 2, 254]);
        assert_eq!(nexthop_oifs(&b), vec![2, 3]);
        assert_eq!(nexthop_oifs(&b[..5]), Vec::<u32>::new());
    }
}
