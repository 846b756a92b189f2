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

// group holds a group's nodes sorted by service id, its master token and
// how forward_hash picks among its nodes.
type group struct {
	nodes  []service
	master uint32
	hash   HashMode
}

// HashMode is how Hash maps a key to one of a group's nodes.
type HashMode uint8

const (
	// HashModulo is the reference's rule: the node at key % nodes, or the
	// first live one after it. Adding or removing a node moves most keys.
	HashModulo HashMode = iota
	// HashJump is Lamping and Veach's jump consistent hash over the sorted
	// slots, then the first live slot from there: a slot added at the end
	// takes ~1/n of the keys from the others, and a slot kept with token 0
	// (a member that went away) gives only its own keys to the next one.
	HashJump
	// HashRendezvous is highest random weight over the live nodes: adding
	// or removing any node moves only ~1/n of the keys. It costs a hash per
	// node per forward.
	HashRendezvous
)

// HashModes are the modes by the names mgr.hash_mode takes.
var HashModes = map[string]HashMode{"modulo": HashModulo, "jump": HashJump, "rendezvous": HashRendezvous}

// SetHashMode sets how Hash picks in a group (HashModulo by default).
func (t *Table) SetHashMode(grp uint8, mode HashMode) { t.groups[grp].hash = mode }

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

// Hash returns the node for key hash by the group's HashMode: with
// HashModulo (the reference's rule) the first live node at or after
// hash % node count, cyclically.
func (t *Table) Hash(grp uint8, hash uint32) uint32 {
	g := &t.groups[grp]
	if len(g.nodes) == 0 {
		return 0
	}
	switch g.hash {
	case HashJump:
		return g.firstLive(jump(mix64(uint64(hash)), len(g.nodes)))
	case HashRendezvous:
		var best, bestScore uint64
		for _, n := range g.nodes {
			if n.token == 0 {
				continue
			}
			if s := mix64(uint64(hash)<<32 | uint64(n.id)); best == 0 || s > bestScore {
				best, bestScore = uint64(n.token), s
			}
		}
		return uint32(best)
	}
	return g.firstLive(int(hash % uint32(len(g.nodes))))
}

// mix64 is the SplitMix64 finalizer: every bit of x moves every bit of
// the result, so nearby keys land far apart.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// jump is the jump consistent hash of key over n buckets (Lamping and
// Veach, 2014): going from n to n+1 buckets moves a key only to the new
// bucket, with probability 1/(n+1).
func jump(key uint64, n int) int {
	b, j := int64(-1), int64(0)
	for j < int64(n) {
		b = j
		key = key*2862933555777941757 + 1
		j = int64(float64(b+1) * (float64(int64(1)<<31) / float64(key>>33+1)))
	}
	return int(b)
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
