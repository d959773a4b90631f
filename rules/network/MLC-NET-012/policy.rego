# MLC-NET-012: egress from ML compute to the internet is open while its workspace holds
# sensitive data. Per workspace: a managed network decides (allow_only_approved_outbound:
# closed; allow_internet_outbound: open); without one, each compute's egress: outside any
# subnet, Azure's default outbound access (open); in a subnet, the subnet's NSG outbound
# rules, its route for 0.0.0.0/0 and, where that route leads to an Azure Firewall, the
# firewall's rules. Three-valued throughout: what cannot be told makes the node
# cannot-evaluate, never pass. Sensitive as in MLC-NET-006 (hbi, or a storage account the
# workspace uses tagged as sensitive; params.sensitive_tags).
package mlcheck.rules.net_012

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

internet := {"internet", "*", "any", "0.0.0.0/0", "::/0"}

# -- the graph ---------------------------------------------------------------------------------

before(id) := lib.predecessors("uses", id)

after(id) := lib.successors("uses", id)

members(ws) := lib.predecessors("in_workspace", ws)

typed(ids, rtype) := {id | id := ids[_]; input.nodes[id].attrs.type == rtype}

node_type(id) := input.nodes[id].attrs.type

full_address(node) := concat(".", [node.attrs.module, node.attrs.address]) if node.attrs.module

full_address(node) := node.attrs.address if not node.attrs.module

# -- sensitive data (as MLC-NET-006) ------------------------------------------------------------

classified := ["sensitive", "confidential", "highly-confidential", "restricted", "secret", "pii"]

default_tags := {
	"data-classification": classified,
	"data_classification": classified,
	"classification": classified,
	"sensitivity": classified,
}

tag_rules := lib.param("sensitive_tags", default_tags)

sensitive_tags[s] contains tag if {
	some s, node in cloud.resources("storage_account")
	some k, v in node.attrs.tags
	is_string(v)
	some key, wanted in tag_rules
	lower(k) == lower(key)
	some w in wanted
	lower(v) == lower(w)
	tag := concat("=", [k, v])
}

tags_unknown(node) if node.attrs.properties.unknown

tags_unknown(node) if node.attrs.properties.tags.unknown

tags_unknown(node) if {
	some v in node.attrs.tags
	v == null
}

workspaces := cloud.resources("ml_workspace")

why_sensitive[ws] contains "hbi_workspace is set" if {
	some ws, node in workspaces
	cloud.known(node, "hbi")
	node.attrs.hbi == true
}

why_sensitive[ws] contains reason if {
	some ws, _ in workspaces
	some st in typed(after(ws), "storage_account")
	tags := sensitive_tags[st]
	reason := concat("", ["it uses storage account ", cloud.text(cloud.name(st, input.nodes[st])), " tagged ", concat(", ", sort(tags))])
}

maybe_sensitive[ws] contains entry if {
	some ws, node in workspaces
	not cloud.known(node, "hbi")
	entry := cloud.unknown_entry(node, "hbi")
}

maybe_sensitive[ws] contains entry if {
	some ws, _ in workspaces
	some st in typed(after(ws), "storage_account")
	tags_unknown(input.nodes[st])
	entry := {"fact": "tags", "unknown": concat(" ", [st, "tags"]), "node": st, "expression": "tags", "reason": "the storage account's tags cannot be read"}
}

# "yes" (a known reason), "unknown" (none known, one open), "no"
sensitivity(ws) := "yes" if why_sensitive[ws]

sensitivity(ws) := "unknown" if {
	not why_sensitive[ws]
	maybe_sensitive[ws]
}

judged_workspaces := {ws | workspaces[ws]; sensitivity(ws) != null}

# -- NSG outbound rules -------------------------------------------------------------------------

nsgs_of(s) := typed(after(s), "network_security_group") | {n |
	a := typed(before(s), "subnet_nsg_association")[_]
	n := typed(after(a), "network_security_group")[_]
}

# The nodes an NSG's rules come from: itself and its standalone rules.
rule_holders(s) := nsgs_of(s) | {h | n := nsgs_of(s)[_]; h := typed(before(n), "network_security_rule")[_]}

nsg_rules(s) := [{"rule": r, "from": h} |
	h := rule_holders(s)[_]
	cloud.known(input.nodes[h], "security_rules")
	r := input.nodes[h].attrs.security_rules[_]
]

nsg_unreadable(s) := [u |
	h := rule_holders(s)[_]
	not cloud.known(input.nodes[h], "security_rules")
	u := cloud.unknown_entry(input.nodes[h], "security_rules")
]

to_internet(r) if {
	is_array(r.destination)
	some d in r.destination
	is_string(d)
	lower(trim_space(d)) in internet
}

every_port(r) if {
	is_array(r.destination_ports)
	some p in r.destination_ports
	trim_space(p) in {"*", "0-65535"}
}

# A deny of every outbound protocol and port to the internet.
closer(r) if {
	r.direction == "outbound"
	r.access == "deny"
	r.protocol == "*"
	to_internet(r)
	every_port(r)
	is_number(r.priority)
}

not_closer(r) if r.direction == "inbound"

not_closer(r) if r.access == "allow"

not_closer(r) if {
	is_array(r.destination)
	not to_internet(r)
}

not_closer(r) if {
	is_string(r.protocol)
	r.protocol != "*"
}

not_closer(r) if {
	is_array(r.destination_ports)
	not every_port(r)
}

maybe_closer(r) if {
	not closer(r)
	not not_closer(r)
}

# An outbound allow to the internet (any port: one is enough to carry data out).
opener(r) if {
	r.direction == "outbound"
	r.access == "allow"
	to_internet(r)
	not r.protocol in {"icmp", "esp", "ah"}
}

not_opener(r) if r.direction == "inbound"

not_opener(r) if r.access == "deny"

not_opener(r) if {
	is_array(r.destination)
	not to_internet(r)
}

# Whether an allow takes precedence over rule d (lower number first); "maybe" when a
# priority is unknown.
opened_before(rules, d) if {
	some e in rules
	opener(e.rule)
	is_number(e.rule.priority)
	is_number(d.priority)
	e.rule.priority < d.priority
}

maybe_opened_before(rules, d) if {
	some e in rules
	not not_opener(e.rule)
	not is_number(e.rule.priority)
}

maybe_opened_before(rules, d) if {
	some e in rules
	not not_opener(e.rule)
	not is_number(d.priority)
}

maybe_opened_before(rules, d) if {
	some e in rules
	not not_opener(e.rule)
	is_number(e.rule.priority)
	is_number(d.priority)
	e.rule.priority < d.priority
}

nsg_closers(rules) := [e | e := rules[_]; closer(e.rule); not maybe_opened_before(rules, e.rule)]

# The rules that could close egress but are not known to yield to an allow before them.
nsg_open_questions(rules) := [e |
	e := rules[_]
	closer_or_maybe(e.rule)
	not opened_before(rules, e.rule)
]

closer_or_maybe(r) if closer(r)

closer_or_maybe(r) if maybe_closer(r)

nsg_state(s, rules) := "unknown" if count(nsg_unreadable(s)) > 0

nsg_state(s, rules) := "closed" if {
	count(nsg_unreadable(s)) == 0
	count(nsg_closers(rules)) > 0
}

nsg_state(s, rules) := "open" if {
	count(nsg_unreadable(s)) == 0
	count(nsg_closers(rules)) == 0
	count(nsg_open_questions(rules)) == 0
}

nsg_state(s, rules) := "unknown" if {
	count(nsg_unreadable(s)) == 0
	count(nsg_closers(rules)) == 0
	count(nsg_open_questions(rules)) > 0
}

quote_rule(e) := {
	"rule": object.get(e.rule, "name", null), "priority": e.rule.priority, "access": e.rule.access,
	"destination": e.rule.destination, "destination_ports": e.rule.destination_ports,
	"protocol": e.rule.protocol, "declared_by": e.from,
}

default_outbound := {"rule": "AllowInternetOutBound", "priority": 65001, "access": "allow", "destination": ["Internet"], "destination_ports": ["*"], "protocol": "*", "declared_by": "Azure's default NSG rule (learn.microsoft.com network-security-groups-overview)"}

# The allows that let traffic out: explicit ones, else Azure's default outbound rule.
nsg_letting_out(rules) := explicit if {
	explicit := [q | e := rules[_]; opener(e.rule); q := quote_rule(e)]
	count(explicit) > 0
} else := [default_outbound]

# -- routes ---------------------------------------------------------------------------------------

tables_of(s) := typed(after(s), "route_table") | {t |
	a := typed(before(s), "subnet_route_table_association")[_]
	t := typed(after(a), "route_table")[_]
}

route_holders(s) := tables_of(s) | {h | t := tables_of(s)[_]; h := typed(before(t), "route")[_]}

all_routes(s) := [{"route": r, "from": h} |
	h := route_holders(s)[_]
	cloud.known(input.nodes[h], "routes")
	r := input.nodes[h].attrs.routes[_]
]

route_unreadable(s) := array.concat(
	[u | h := route_holders(s)[_]; not cloud.known(input.nodes[h], "routes"); u := cloud.unknown_entry(input.nodes[h], "routes")],
	[u | count(tables_of(s)) == 0; input.nodes[s].attrs.unknown.route_table; u := cloud.unknown_entry(input.nodes[s], "route_table")],
)

defaults_of(routes) := [e | e := routes[_]; e.route.address_prefix == "0.0.0.0/0"]

maybe_defaults(routes) := [e | e := routes[_]; e.route.address_prefix == null]

# The firewall a route's next hop is: the resource its next-hop IP is written from, or a
# collected firewall with that private IP.
firewalls_of(e) := {f |
	f := typed(after(e.from), "firewall")[_]
	full_address(input.nodes[f]) == e.route.next_hop_resource
} | {f |
	is_string(e.route.next_hop_ip)
	node := cloud.resources("firewall")[f]
	node.attrs.private_ip == e.route.next_hop_ip
}

hop_state(e) := "internet" if e.route.next_hop_type == "internet"

hop_state(e) := "closed" if e.route.next_hop_type in {"none", "vnetlocal", "virtualnetworkgateway", "hypernetgateway"}

hop_state(e) := "firewall" if {
	e.route.next_hop_type == "virtualappliance"
	count(firewalls_of(e)) > 0
}

hop_state(e) := "unknown" if {
	e.route.next_hop_type == "virtualappliance"
	count(firewalls_of(e)) == 0
}

hop_state(e) := "unknown" if e.route.next_hop_type == null

# internet | closed | firewall | unknown, for a subnet's routes.
route_state(s, routes) := "unknown" if count(route_unreadable(s)) > 0

route_state(s, routes) := "internet" if {
	count(route_unreadable(s)) == 0
	count(defaults_of(routes)) == 0
	count(maybe_defaults(routes)) == 0
}

route_state(s, routes) := "unknown" if {
	count(route_unreadable(s)) == 0
	count(defaults_of(routes)) == 0
	count(maybe_defaults(routes)) > 0
}

route_state(s, routes) := state if {
	count(route_unreadable(s)) == 0
	count(defaults_of(routes)) > 0
	states := {hop_state(e) | e := defaults_of(routes)[_]}
	state := single(states)
}

single(states) := x if {
	count(states) == 1
	some x in states
}

single(states) := "unknown" if count(states) != 1

quote_route(e) := {"route": e.route.name, "address_prefix": e.route.address_prefix, "next_hop_type": e.route.next_hop_type, "next_hop_ip": e.route.next_hop_ip, "declared_by": e.from}

system_route := {"route": "0.0.0.0/0 (system route)", "address_prefix": "0.0.0.0/0", "next_hop_type": "internet", "declared_by": "Azure's system routes: no route table route for 0.0.0.0/0 (learn.microsoft.com virtual-networks-udr-overview)"}

route_evidence(routes) := [q | e := defaults_of(routes)[_]; q := quote_route(e)] if count(defaults_of(routes)) > 0

route_evidence(routes) := [system_route] if count(defaults_of(routes)) == 0

route_firewalls(routes) := {f | e := defaults_of(routes)[_]; f := firewalls_of(e)[_]}

# -- firewalls ------------------------------------------------------------------------------------

policies_of(f) := {p | p := typed(after(f), "firewall_policy")[_]} | {b |
	p := typed(after(f), "firewall_policy")[_]
	b := typed(after(p), "firewall_policy")[_]
}

fw_holders(f) := {f} | typed(before(f), "firewall_rule_collection") | {c |
	p := policies_of(f)[_]
	c := typed(before(p), "firewall_rule_collection")[_]
}

fw_rules(f) := [{"rule": r, "from": h} |
	h := fw_holders(f)[_]
	cloud.known(input.nodes[h], "firewall_rules")
	r := input.nodes[h].attrs.firewall_rules[_]
]

fw_unreadable(f) := array.concat(
	[u | h := fw_holders(f)[_]; input.nodes[h].attrs.unknown.firewall_rules; u := cloud.unknown_entry(input.nodes[h], "firewall_rules")],
	[u | policy_missing(f); u := {"fact": "firewall_policy", "unknown": "firewall_policy", "node": f, "expression": object.get(input.nodes[f].attrs, "firewall_policy", "(unknown)"), "reason": "the firewall's policy is not collected: its rules cannot be read"}],
)

policy_missing(f) if {
	count(policies_of(f)) == 0
	input.nodes[f].attrs.unknown.firewall_policy
}

policy_missing(f) if {
	count(policies_of(f)) == 0
	is_string(input.nodes[f].attrs.firewall_policy)
}

# Source addresses: `*`, or an IPv4 range holding one of the subnet's prefixes.
applies(r, prefixes) if {
	is_array(r.sources)
	some x in r.sources
	x in {"*", "0.0.0.0/0", "any"}
}

applies(r, prefixes) if {
	is_array(r.sources)
	some x in r.sources
	some p in prefixes
	cidr_holds(x, p)
}

maybe_applies(r, prefixes) if applies(r, prefixes)

maybe_applies(r, prefixes) if r.sources == null

maybe_applies(r, prefixes) if {
	is_array(r.sources)
	some x in r.sources
	not ipv4_cidr(x)
	not x in {"*", "0.0.0.0/0", "any"}
}

maybe_applies(r, prefixes) if not is_array(prefixes)

pow2 := [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216, 33554432, 67108864, 134217728, 268435456, 536870912, 1073741824, 2147483648, 4294967296]

ipv4_cidr(text) := [address, bits] if {
	is_string(text)
	regex.match(`^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$`, trim_space(text))
	parts := split(trim_space(text), "/")
	o := [to_number(x) | x := split(parts[0], ".")[_]]
	address := (((o[0] * 256) + o[1]) * 256 + o[2]) * 256 + o[3]
	bits := prefix_bits(parts)
	bits <= 32
}

prefix_bits(parts) := 32 if count(parts) == 1

prefix_bits(parts) := to_number(parts[1]) if count(parts) == 2

cidr_holds(outer, inner) if {
	o := ipv4_cidr(outer)
	i := ipv4_cidr(inner)
	o[1] <= i[1]
	block := pow2[32 - o[1]]
	floor(o[0] / block) == floor(i[0] / block)
}

allows_out(r, prefixes) if {
	r.action == "allow"
	r.internet == true
	applies(r, prefixes)
}

# Azure Firewall applies network rules before application rules, then by rule collection
# group priority, then by collection priority.
precedes(d, r) if {
	d.kind == "network"
	r.kind == "application"
}

precedes(d, r) if {
	d.kind == r.kind
	d.group_priority < r.group_priority
}

precedes(d, r) if {
	d.kind == r.kind
	d.group_priority == r.group_priority
	d.collection_priority < r.collection_priority
}

denied_first(rules, r, prefixes) if {
	some e in rules
	e.rule.action == "deny"
	e.rule.internet == true
	applies(e.rule, prefixes)
	precedes(e.rule, r)
}

fw_openers(f, prefixes) := [e | e := fw_rules(f)[_]; allows_out(e.rule, prefixes); not denied_first(fw_rules(f), e.rule, prefixes)]

fw_maybe(f, prefixes) := [e |
	e := fw_rules(f)[_]
	not e.rule.action == "deny"
	not e.rule.internet == false
	maybe_applies(e.rule, prefixes)
	not denied_first(fw_rules(f), e.rule, prefixes)
]

fw_state(f, prefixes) := "open" if count(fw_openers(f, prefixes)) > 0

fw_state(f, prefixes) := "unknown" if {
	count(fw_openers(f, prefixes)) == 0
	count(fw_unreadable(f)) + count(fw_maybe(f, prefixes)) > 0
}

fw_state(f, prefixes) := "closed" if {
	count(fw_openers(f, prefixes)) == 0
	count(fw_unreadable(f)) + count(fw_maybe(f, prefixes)) == 0
}

quote_fw_rule(e) := {
	"rule": e.rule.name, "collection": e.rule.collection, "kind": e.rule.kind, "action": e.rule.action,
	"sources": e.rule.sources, "destinations": e.rule.destinations, "protocols": e.rule.protocols, "declared_by": e.from,
}

# -- one subnet's egress ----------------------------------------------------------------------------

prefixes_of(s) := input.nodes[s].attrs.address_prefixes if cloud.known(input.nodes[s], "address_prefixes")

prefixes_of(s) := null if not cloud.known(input.nodes[s], "address_prefixes")

# The subnets ML compute of a (possibly) sensitive workspace without a managed network sits in.
ml_subnets := {s | c := open_computes[_]; s := typed(after(c), "subnet")[_]}

# Built once per subnet, every call bound in the body (regopy 1.5.2 evaluates calls in a
# comprehension's head wrongly).
subnet_egress := {s: info |
	ml_subnets[s]
	rules := nsg_rules(s)
	routes := all_routes(s)
	prefixes := prefixes_of(s)
	ns := nsg_state(s, rules)
	rs := route_state(s, routes)
	fws := route_firewalls(routes)
	fs := {fw_state(f, prefixes) | f := fws[_]}
	state := combine(ns, rs, fs)
	info := {"state": state, "nsg": ns, "route": rs, "firewalls": fs, "rules": rules, "routes": routes, "prefixes": prefixes}
}

combine(ns, rs, fs) := "closed" if ns == "closed"

combine(ns, rs, fs) := "closed" if {
	ns != "closed"
	rs == "closed"
}

combine(ns, rs, fs) := "closed" if {
	ns != "closed"
	rs == "firewall"
	fs == {"closed"}
}

combine(ns, rs, fs) := "open" if {
	ns == "open"
	rs == "internet"
}

combine(ns, rs, fs) := "open" if {
	ns == "open"
	rs == "firewall"
	"open" in fs
}

combine(ns, rs, fs) := "unknown" if {
	ns != "closed"
	rs != "closed"
	not decided_through(rs, fs)
	not open_through(ns, rs, fs)
}

decided_through(rs, fs) if {
	rs == "firewall"
	fs == {"closed"}
}

open_through(ns, rs, fs) if {
	ns == "open"
	rs == "internet"
}

open_through(ns, rs, fs) if {
	ns == "open"
	rs == "firewall"
	"open" in fs
}

# -- what is let out ---------------------------------------------------------------------------------

# Computes of judged workspaces without a managed network (isolation disabled).
open_computes := {c |
	ws := judged_workspaces[_]
	input.nodes[ws].attrs.isolation_mode == "disabled"
	c := typed(members(ws), "ml_compute")[_]
}

workspace_of(c) := [ws | ws := lib.successors("in_workspace", c)[_]][0]

let_out(c) := {"compute": cloud.text(cloud.label(c)), "node": c, "workspace": cloud.text(cloud.label(workspace_of(c)))}

sensitive_reasons(wss) := sort({r | ws := wss[_]; r := why_sensitive[ws][_]})

open_unknowns(wss) := [u | ws := wss[_]; u := maybe_sensitive[ws][_]]

# A subnet's finding: what lets out, and every compute of a sensitive workspace in it.
subnet_evidence(s, info) := {
	"egress": "open",
	"nsg_rules": nsg_letting_out(info.rules),
	"routes": route_evidence(info.routes),
	"firewall_rules": [q | f := route_firewalls(info.routes)[_]; e := fw_openers(f, info.prefixes)[_]; q := quote_fw_rule(e)],
}

computes_in(s) := {c | c := typed(before(s), "ml_compute")[_]; open_computes[c]}

finding_for(node, message, evidence, wss) := {"node": node, "message": message, "evidence": evidence} if count(sensitive_reasons(wss)) > 0

finding_for(node, message, evidence, wss) := {"node": node, "cannot_evaluate": true, "message": concat("", ["cannot evaluate: ", message, ", and whether the data is sensitive is unknown"]), "evidence": object.union(evidence, {"unknown": open_unknowns(wss)})} if count(sensitive_reasons(wss)) == 0

open_egress contains item if {
	some s, info in subnet_egress
	info.state == "open"
	cs := computes_in(s)
	wss := {workspace_of(c) | c := cs[_]}
	out := sort([cloud.text(cloud.label(c)) | c := cs[_]])
	base := subnet_evidence(s, info)
	facts := {
		"egress": "open", "route": info.route, "lets_out": out,
		"nsg_rules": [n | q := base.nsg_rules[_]; n := q.rule],
		"firewall_rules": [n | q := base.firewall_rules[_]; n := q.rule],
	}
	ev := object.union(base, {"facts": facts, "lets_out": [let_out(c) | c := cs[_]], "sensitive": sensitive_reasons(wss)})
	message := concat("", [
		"subnet ", cloud.text(cloud.label(s)), " lets ", concat(", ", out), " out to the internet (",
		egress_why(info), ") while ", concat(" and ", sensitive_or_unknown(wss)),
	])
	item := finding_for(s, message, ev, wss)
}

sensitive_or_unknown(wss) := sensitive_reasons(wss) if count(sensitive_reasons(wss)) > 0

sensitive_or_unknown(wss) := ["its workspace's data may be sensitive"] if count(sensitive_reasons(wss)) == 0

egress_why(info) := concat("; ", [nsg_why(info), route_why(info)])

nsg_why(info) := concat("", ["outbound allowed by ", concat(", ", [n | q := nsg_letting_out(info.rules)[_]; n := cloud.text(q.rule)])])

route_why(info) := "0.0.0.0/0 goes to the internet" if info.route == "internet"

route_why(info) := "0.0.0.0/0 goes through a firewall that allows it" if info.route == "firewall"

open_egress contains item if {
	some s, info in subnet_egress
	info.state == "unknown"
	cs := computes_in(s)
	item := {
		"node": s, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate the egress of subnet ", cloud.text(cloud.label(s)), " (NSG: ", info.nsg, ", route: ", info.route, ", firewall: ", concat("/", sort([x | x := info.firewalls[_]])), ")"]),
		"evidence": {"lets_out": [let_out(c) | c := cs[_]], "unknown": subnet_unknowns(s, info)},
	}
}

subnet_unknowns(s, info) := array.concat(
	array.concat(nsg_unreadable(s), route_unreadable(s)),
	array.concat(
		array.concat(
			[q | e := nsg_open_questions(info.rules)[_]; q := rule_question(e)],
			[q | e := array.concat(defaults_of(info.routes), maybe_defaults(info.routes))[_]; hop_state(e) == "unknown"; q := route_question(e)],
		),
		array.concat(
			[u | f := route_firewalls(info.routes)[_]; u := fw_unreadable(f)[_]],
			[q | f := route_firewalls(info.routes)[_]; fw_state(f, info.prefixes) == "unknown"; e := fw_maybe(f, info.prefixes)[_]; q := fw_question(e)],
		),
	),
)

# Open questions in the shape of unknown facts (fact, unknown, expression, reason).
unknown_fields(x) := concat(", ", sort([k | object.get(x, "unknown", {})[k]]))

rule_question(e) := {
	"fact": "security_rules", "node": e.from, "unknown": concat("", ["NSG rule ", cloud.text(e.rule.name)]),
	"expression": unknown_fields(e.rule),
	"reason": "a field that would decide whether it denies or allows egress to the internet cannot be told",
}

route_question(e) := {
	"fact": "routes", "node": e.from, "unknown": concat("", ["route ", cloud.text(e.route.name), " (", cloud.text(e.route.address_prefix), ")"]),
	"expression": cloud.text(object.get(e.route, ["unknown", "next_hop_ip", "expression"], object.get(e.route, "next_hop_ip", unknown_fields(e.route)))),
	"reason": "its prefix or next hop cannot be told, or the next hop is not a collected Azure Firewall",
}

fw_question(e) := {
	"fact": "firewall_rules", "node": e.from, "unknown": concat("", ["firewall rule ", cloud.text(e.rule.name)]),
	"expression": unknown_fields(e.rule),
	"reason": "whether it lets the subnet out to the internet cannot be told (sources, destinations or action unknown, or sources given as IP groups or tags)",
}

# A compute outside any virtual network: Azure's default outbound access.
open_egress contains item if {
	some c in open_computes
	count(typed(after(c), "subnet")) == 0
	cloud.known(input.nodes[c], "subnet")
	input.nodes[c].attrs.subnet == null
	ws := workspace_of(c)
	ev := {"egress": "open", "facts": {"egress": "open", "subnet": null}, "lets_out": [let_out(c)], "sensitive": sensitive_reasons({ws}), "checks": [cloud.quote(input.nodes[c], "subnet")]}
	message := concat("", ["ML compute ", cloud.text(cloud.label(c)), " is in no virtual network: its outbound internet access is not restricted while ", concat(" and ", sensitive_or_unknown({ws}))])
	item := finding_for(c, message, ev, {ws})
}

# A compute naming a subnet the scan did not collect.
open_egress contains item if {
	some c in open_computes
	count(typed(after(c), "subnet")) == 0
	not subnet_none(input.nodes[c])
	subnet_recorded(input.nodes[c])
	item := {
		"node": c, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate the egress of ML compute ", cloud.text(cloud.label(c)), ": its subnet is not collected"]),
		"evidence": {"unknown": [subnet_entry(input.nodes[c])]},
	}
}

subnet_none(node) if {
	cloud.known(node, "subnet")
	node.attrs.subnet == null
}

subnet_recorded(node) if node.attrs.unknown.subnet

subnet_recorded(node) if is_string(node.attrs.subnet)

subnet_entry(node) := cloud.unknown_entry(node, "subnet") if node.attrs.unknown.subnet

subnet_entry(node) := cloud.quote(node, "subnet") if not node.attrs.unknown.subnet

# A workspace whose managed network allows internet outbound.
open_egress contains item if {
	some ws in judged_workspaces
	input.nodes[ws].attrs.isolation_mode == "allow_internet_outbound"
	cs := typed(members(ws), "ml_compute")
	ev := {"egress": "open", "facts": {"egress": "open", "isolation_mode": "allow_internet_outbound"}, "lets_out": [let_out(c) | c := cs[_]], "sensitive": sensitive_reasons({ws}), "checks": [cloud.quote(input.nodes[ws], "isolation_mode")]}
	message := concat("", ["ML workspace ", cloud.text(cloud.label(ws)), ": its managed network allows internet outbound (isolation_mode allow_internet_outbound) while ", concat(" and ", sensitive_or_unknown({ws}))])
	item := finding_for(ws, message, ev, {ws})
}

# The managed network's mode cannot be told.
open_egress contains item if {
	some ws in judged_workspaces
	not cloud.known(input.nodes[ws], "isolation_mode")
	item := {
		"node": ws, "cannot_evaluate": true,
		"message": concat("", ["cannot evaluate the egress of ML workspace ", cloud.text(cloud.label(ws)), ": its managed network's isolation mode is unknown"]),
		"evidence": {"unknown": [cloud.unknown_entry(input.nodes[ws], "isolation_mode")]},
	}
}
