# MLC-NET-011: a network rule admits inbound traffic from the internet to management ports
# (22, 3389, 5985/5986) anywhere, or to any port on a subnet that hosts ML compute, AKS
# nodes or private endpoints. An NSG's rules are its own `security_rules` and those of the
# standalone rules (azurerm_network_security_rule, ARM …/securityRules) with an edge `uses`
# to it; the finding's node is the NSG, or a standalone rule whose NSG was not collected.
# A rule whose direction, access, protocol, source or ports cannot be told (and are not
# decided by the rest) leaves the NSG undecided: cannot evaluate, never pass.
package mlcheck.rules.net_011

import data.mlcheck.lib
import data.mlcheck.lib.cloud
import rego.v1

internet := {"internet", "*", "any", "0.0.0.0/0", "::/0"}

management := [22, 3389, 5985, 5986]

# What a subnet hosts that makes any port matter; build agents: Managed DevOps Pools and
# GitHub-hosted runners injected into the subnet, and scale sets an Azure DevOps elastic pool
# runs its agents on (build_agent below).
hosting := {"ml_compute", "k8s_cluster", "private_endpoint", "managed_devops_pool", "github_network_settings"}

portless := {"icmp", "esp", "ah"}

# -- one normalised rule: yes / no / unknown per condition ----------------------------------

state(value, yes, no) := "yes" if value == yes

state(value, yes, no) := "no" if value == no

state(value, yes, no) := "unknown" if value == null

source_state(r) := "unknown" if r.source == null

source_state(r) := "yes" if source_state_yes(r)

source_state(r) := "no" if {
	is_array(r.source)
	not source_state_yes(r)
}

source_state_yes(r) if {
	is_array(r.source)
	some s in r.source
	is_string(s)
	lower(trim_space(s)) in internet
}

protocol_state(r) := "unknown" if r.protocol == null

protocol_state(r) := "no" if r.protocol in portless

protocol_state(r) := "yes" if {
	r.protocol != null
	not r.protocol in portless
}

# A destination port entry as [low, high]: "*", "22", "1000-2000" (undefined otherwise).
span(entry) := [0, 65535] if {
	is_string(entry)
	trim_space(entry) == "*"
}

span(entry) := [n, n] if {
	is_string(entry)
	regex.match(`^[0-9]{1,5}$`, trim_space(entry))
	n := to_number(trim_space(entry))
}

span(entry) := [parts[0], parts[1]] if {
	is_string(entry)
	regex.match(`^[0-9]{1,5}\s*-\s*[0-9]{1,5}$`, trim_space(entry))
	parts := [to_number(trim_space(p)) | p := split(trim_space(entry), "-")[_]]
	parts[0] <= parts[1]
}

covers(r, port) if {
	is_array(r.destination_ports)
	some entry in r.destination_ports
	s := span(entry)
	s[0] <= port
	port <= s[1]
}

unreadable_ports(r) if {
	is_array(r.destination_ports)
	some entry in r.destination_ports
	not span(entry)
}

# The ports of `wanted` the rule admits ("any": every port entry counts).
admitted(r, "any") := {trim_space(entry) | entry := r.destination_ports[_]; span(entry)} if admits_some_port(r)

admitted(r, "any") := set() if r.destination_ports == null

admitted(r, "any") := set() if {
	is_array(r.destination_ports)
	not admits_some_port(r)
}

admits_some_port(r) if {
	is_array(r.destination_ports)
	some entry in r.destination_ports
	span(entry)
}

admitted(r, "management") := set() if r.destination_ports == null

admitted(r, "management") := {p | p := management[_]; covers(r, p)} if is_array(r.destination_ports)

ports_state(r, wanted) := ports_verdict(count(admitted(r, wanted)), r)

ports_verdict(n, r) := "yes" if n > 0

ports_verdict(n, r) := "unknown" if {
	n == 0
	ports_open(r)
}

ports_verdict(n, r) := "no" if {
	n == 0
	not ports_open(r)
}

ports_open(r) if r.destination_ports == null

ports_open(r) if unreadable_ports(r)

states(r, wanted) := [
	state(r.direction, "inbound", "outbound"), state(r.access, "allow", "deny"),
	protocol_state(r), source_state(r), ports_state(r, wanted),
]

# Most rules are decided by a known direction, access, protocol or source: no port parsing.
verdict(r, wanted) := "no" if settled_no(r)

verdict(r, wanted) := decide(states(r, wanted)) if not settled_no(r)

settled_no(r) if r.direction == "outbound"

settled_no(r) if r.access == "deny"

settled_no(r) if r.protocol in portless

settled_no(r) if {
	is_array(r.source)
	not source_state_yes(r)
}

decide(ss) := "no" if "no" in ss

decide(ss) := "yes" if {
	not "no" in ss
	not "unknown" in ss
}

decide(ss) := "unknown" if {
	not "no" in ss
	"unknown" in ss
}

# -- NSGs, their rules and the subnets they guard --------------------------------------------

before(id) := lib.predecessors("uses", id)

after(id) := lib.successors("uses", id)

typed(ids, rtype) := {id | id := ids[_]; input.nodes[id].attrs.type == rtype}

# The NSG of a standalone rule, if collected.
nsg_of(rule_id) := typed(after(rule_id), "network_security_group")

# The nodes an NSG's rules come from: itself and its standalone rules.
rule_sources(nsg_id) := {nsg_id} | typed(before(nsg_id), "network_security_rule")

# The nodes a finding is about: NSGs, and standalone rules without a collected NSG.
holders := {id | cloud.resources("network_security_group")[id]} | {id |
	cloud.resources("network_security_rule")[id]
	count(nsg_of(id)) == 0
}

sources_of(id) := rule_sources(id) if input.nodes[id].attrs.type == "network_security_group"

sources_of(id) := {id} if input.nodes[id].attrs.type == "network_security_rule"

subnets_of(nsg_id) := typed(before(nsg_id), "subnet") | {s |
	a := typed(before(nsg_id), "subnet_nsg_association")[_]
	s := typed(after(a), "subnet")[_]
}

# What an NSG guards beside subnets: the NICs it is set on (directly or by association) and
# the scale sets whose NIC configuration names it.
nics_of(nsg_id) := typed(before(nsg_id), "network_interface") | {n |
	a := typed(before(nsg_id), "nic_nsg_association")[_]
	n := typed(after(a), "network_interface")[_]
}

guarded(nsg_id) := (subnets_of(nsg_id) | nics_of(nsg_id)) | typed(before(nsg_id), "vm_scale_set")

build_agent(id) if {
	input.nodes[id].attrs.type == "vm_scale_set"
	count(typed(before(id), "devops_elastic_pool")) > 0
}

hosts(h) if hosting[input.nodes[h].attrs.type]

hosts(h) if build_agent(h)

# A subnet: what sits in it; a scale set: itself, when it runs build agents; a NIC: what
# sits in its subnet (the host behind it is in that subnet).
hosted_in(place) := {h | h := before(place)[_]; hosts(h)} if input.nodes[place].attrs.type == "subnet"

hosted_in(place) := {place | build_agent(place)} if input.nodes[place].attrs.type == "vm_scale_set"

hosted_in(place) := {h | s := typed(after(place), "subnet")[_]; h := before(s)[_]; hosts(h)} if input.nodes[place].attrs.type == "network_interface"

# The guarded subnets (NICs, scale sets) that host something, with what: [{subnet, hosts}].
hosting_subnets(id) := [entry |
	s := guarded(id)[_]
	hosts := hosted_in(s)
	count(hosts) > 0
	names := sort([n | h := hosts[_]; n := concat(" ", [input.nodes[h].attrs.type, cloud.text(cloud.label(h))])])
	entry := {"subnet": cloud.label(s), "node": s, "hosts": names}
]

# Every rule of a holder, with the node that declares it.
rules_of(id) := [{"rule": r, "from": src} |
	src := sources_of(id)[_]
	cloud.known(input.nodes[src], "security_rules")
	r := input.nodes[src].attrs.security_rules[_]
]

wanted_for(hosting) := "any" if count(hosting) > 0

wanted_for(hosting) := "management" if count(hosting) == 0

# What each holder needs, built once per evaluation (a function's body runs again on every
# call): its hosting subnets, what counts, its rules with their verdicts, its findings.
# One object comprehension with every call bound in its body: regopy 1.5.2 loses a partial
# rule's key inside comprehensions and evaluates calls in a comprehension's head wrongly.
holder_info := {id: info |
	holders[id]
	hosting := hosting_subnets(id)
	w := wanted_for(hosting)
	rules := rules_of(id)
	judged := judge_all(rules, w)
	found := found_in(judged, w, rules)
	info := {"hosting": hosting, "wanted": w, "judged": judged, "found": found}
}

judge_all(entries, w) := [{"entry": e, "verdict": v} | e := entries[_]; v := verdict(e.rule, w)]

found_in(judged, w, rules) := [f |
	j := judged[_]
	j.verdict == "yes"
	kept := kept_ports(j.entry.rule, w, rules)
	count(kept) > 0
	f := quote(j.entry, kept)
]

kept_ports(r, w, rules) := {p | p := admitted(r, w)[_]; not denied_first(rules, r, p)}

quote(entry, ports) := {
	"rule": object.get(entry.rule, "name", null), "priority": entry.rule.priority,
	"direction": entry.rule.direction, "access": entry.rule.access, "protocol": entry.rule.protocol,
	"source": entry.rule.source, "destination_ports": entry.rule.destination_ports,
	"admits": sort(ports), "declared_by": entry.from,
}

# Azure applies the first matching rule by priority: a deny rule of higher precedence (a
# lower number) for internet sources, the same protocol and the port (a span: every port of
# it) takes that port back. Only known deny rules count.
denied_first(rules, r, port) if {
	e := rules[_]
	d := e.rule
	d.direction == "inbound"
	d.access == "deny"
	is_number(d.priority)
	is_number(r.priority)
	d.priority < r.priority
	source_state_yes(d)
	same_protocol(d, r)
	within(d, port)
}

same_protocol(d, r) if d.protocol == "*"

same_protocol(d, r) if d.protocol == r.protocol

within(d, port) if {
	is_number(port)
	covers(d, port)
}

within(d, entry) if {
	is_string(entry)
	s := span(entry)
	is_array(d.destination_ports)
	de := d.destination_ports[_]
	ds := span(de)
	ds[0] <= s[0]
	s[1] <= ds[1]
}

open_rules(judged) := [u |
	j := judged[_]
	j.verdict == "unknown"
	u := object.union(quote(j.entry, []), {"unknown": object.get(j.entry.rule, "unknown", {})})
]

open_facts(id) := [u |
	src := sources_of(id)[_]
	not cloud.known(input.nodes[src], "security_rules")
	u := cloud.unknown_entry(input.nodes[src], "security_rules")
]

describe(f) := concat("", [
	"rule ", cloud.text(f.rule), " (priority ", cloud.text(f.priority), ", source ",
	concat(",", f.source), ", ports ", concat(",", f.destination_ports), ")",
])

target(info) := "management ports" if info.wanted == "management"

target(info) := concat("", ["any port of a subnet hosting ", concat("; ", [t | h := info.hosting[_]; t := concat(": ", [h.subnet, concat(", ", h.hosts)])])]) if info.wanted == "any"

admits_text(f) := concat("", [describe(f), " → ", concat(",", [t | p := f.admits[_]; t := cloud.text(p)])])

exposed_to_internet contains item if {
	some id, info in holder_info
	count(info.found) > 0
	texts := sort([t | f := info.found[_]; t := admits_text(f)])
	item := {
		"node": id,
		"message": concat("", [
			"NSG ", cloud.text(cloud.label(id)), " admits inbound traffic from the internet to ", target(info), ": ",
			concat("; ", texts),
		]),
		# rules that could not be told, beside those that decide
		"evidence": {"rules": info.found, "subnets": info.hosting, "undecided": open_rules(info.judged)},
	}
}

exposed_to_internet contains item if {
	some id, info in holder_info
	count(info.found) == 0
	open := array.concat(open_rules(info.judged), open_facts(id))
	count(open) > 0
	item := {
		"node": id,
		"cannot_evaluate": true,
		"message": concat("", ["cannot evaluate NSG ", cloud.text(cloud.label(id)), ": ", cloud.text(count(open)), " rule(s) with unknown direction, access, protocol, source or ports"]),
		"evidence": {"unknown": open},
	}
}
