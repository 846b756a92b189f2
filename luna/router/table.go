// Package router is a socket manager's forwarding: the route table (256
// service groups) and the Forwarder, which sends each forward_* frame a
// node receives on to the targets its header chooses (wire.md, "Router
// behaviour") without decoding the archive.
package router

import (
	"math/rand/v2"
	"sort"
)

// Groups is the number of service groups; a service id's group is
// (id >> 16) & 0xFF.
const Groups = 256

// GroupOf returns the group of a service id.
func GroupOf(serviceID uint32) uint8 { return uint8(serviceID >> 16) }

// service is one registered service: its id and the token of the stream that
// reaches it (0 = the slot is kept but skipped).
type service struct {
	id    uint32
	token uint32
}

// group holds a group's nodes sorted by service id, and its master token.
type group struct {
	nodes  []service
	master uint32
}

// Table is a route table: 256 groups of nodes. The zero value is not
// usable; make one with New.
type Table struct {
	groups [Groups]group
	rng    *rand.Rand
}

// New returns an empty table whose random mode draws from a generator
// seeded with seed (the reference used an unseeded rand()).
func New(seed uint64) *Table {
	return &Table{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Set routes serviceID to token; token 0 keeps the slot but skips it.
func (t *Table) Set(serviceID, token uint32) {
	g := &t.groups[GroupOf(serviceID)]
	i, found := g.find(serviceID)
	if found {
		g.nodes[i].token = token
		return
	}
	g.nodes = append(g.nodes, service{})
	copy(g.nodes[i+1:], g.nodes[i:])
	g.nodes[i] = service{id: serviceID, token: token}
}

// Remove deletes serviceID's entry.
func (t *Table) Remove(serviceID uint32) {
	g := &t.groups[GroupOf(serviceID)]
	if i, found := g.find(serviceID); found {
		g.nodes = append(g.nodes[:i], g.nodes[i+1:]...)
	}
}

// SetMaster sets the master token of a group (0 clears it).
func (t *Table) SetMaster(grp uint8, token uint32) { t.groups[grp].master = token }

// Target returns the token of exactly serviceID, or 0.
func (t *Table) Target(serviceID uint32) uint32 {
	g := &t.groups[GroupOf(serviceID)]
	if i, found := g.find(serviceID); found {
		return g.nodes[i].token
	}
	return 0
}

// Master returns the master token of a group, or 0.
func (t *Table) Master(grp uint8) uint32 { return t.groups[grp].master }

// Random returns the first live node at or after a random index, cyclically.
func (t *Table) Random(grp uint8) uint32 {
	g := &t.groups[grp]
	if len(g.nodes) == 0 {
		return 0
	}
	return g.firstLive(t.rng.IntN(len(g.nodes)))
}

// Hash returns the first live node at or after hash % node count, cyclically.
func (t *Table) Hash(grp uint8, hash uint32) uint32 {
	g := &t.groups[grp]
	if len(g.nodes) == 0 {
		return 0
	}
	return g.firstLive(int(hash % uint32(len(g.nodes))))
}

// Broadcast appends every live token of a group to dst and returns it.
func (t *Table) Broadcast(grp uint8, dst []uint32) []uint32 {
	for _, n := range t.groups[grp].nodes {
		if n.token != 0 {
			dst = append(dst, n.token)
		}
	}
	return dst
}

func (g *group) find(id uint32) (int, bool) {
	i := sort.Search(len(g.nodes), func(i int) bool { return g.nodes[i].id >= id })
	return i, i < len(g.nodes) && g.nodes[i].id == id
}

func (g *group) firstLive(start int) uint32 {
	n := len(g.nodes)
	for k := 0; k < n; k++ {
		if tok := g.nodes[(start+k)%n].token; tok != 0 {
			return tok
		}
	}
	return 0
}

// Member is one service of a group, as Groups reports it.
type Member struct {
	ID    uint32 `json:"id"`
	Token uint32 `json:"token"` // 0: the slot is kept but skipped
}

// GroupInfo is one group that has members or a master.
type GroupInfo struct {
	Group   uint8    `json:"group"`
	Master  uint32   `json:"master"`
	Members []Member `json:"members"`
}

// Groups describes every group with members or a master, in group order.
func (t *Table) Groups() []GroupInfo {
	var out []GroupInfo
	for i := range t.groups {
		g := &t.groups[i]
		if len(g.nodes) == 0 && g.master == 0 {
			continue
		}
		gi := GroupInfo{Group: uint8(i), Master: g.master, Members: make([]Member, len(g.nodes))}
		for k, n := range g.nodes {
			gi.Members[k] = Member{ID: n.id, Token: n.token}
		}
		out = append(out, gi)
	}
	return out
}
