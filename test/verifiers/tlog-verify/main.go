// Command tlog-verify checks SpecLedger's keys, signed notes and Merkle proofs with Go's reference
// implementations, golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (Debian's
// golang-golang-x-mod-dev; built with GO111MODULE=off GOPATH=/usr/share/gocode, nothing downloaded).
//
//	tlog-verify note VERIFIER_KEY_FILE NOTE_FILE      prints the note text if the signature verifies
//	tlog-verify sign SIGNER_KEY_FILE < TEXT           prints the note signed by Go
//	tlog-verify inclusion < JSON...                   each {"size","root","index","leaf","proof"}
//	tlog-verify consistency < JSON...                 each {"old_size","old_root","size","root","proof"}
//	tlog-verify root < JSON                           {"data"} (entries, base64) or {"leaves"} (leaf hashes):
//	                                                  prints the tree hash Go computes
//
// Hashes are base64. Exit 0 when the check passes, 1 with the reason on stderr when it fails.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type proofInput struct {
	Size    int64    `json:"size"`
	Root    string   `json:"root"`
	Index   int64    `json:"index"`
	Leaf    string   `json:"leaf"`
	OldSize int64    `json:"old_size"`
	OldRoot string   `json:"old_root"`
	Proof   []string `json:"proof"`
	Leaves  []string `json:"leaves"`
	Data    []string `json:"data"`
}

// hashStore is tlog's storage as a slice: what tlog.StoredHashes writes, read back by index.
type hashStore []tlog.Hash

func (s hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = s[x]
	}
	return out, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tlog-verify: "+format+"\n", args...)
	os.Exit(1)
}

func hash(s string) tlog.Hash {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		fail("not a base64 SHA-256 hash: %q", s)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

func readFile(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		fail("%v", err)
	}
	return string(b)
}

// eachInput calls check for every JSON object on stdin, naming the first that fails.
func eachInput(check func(proofInput) error) {
	dec := json.NewDecoder(os.Stdin)
	n := 0
	for {
		var in proofInput
		if err := dec.Decode(&in); err == io.EOF {
			break
		} else if err != nil {
			fail("bad input %d: %v", n, err)
		}
		if err := check(in); err != nil {
			fail("check %d: %v", n, err)
		}
		n++
	}
	if n == 0 {
		fail("no input")
	}
	fmt.Printf("ok %d\n", n)
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash(s)
	}
	return out
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: tlog-verify note|sign|inclusion|consistency ...")
	}
	switch os.Args[1] {
	case "note":
		v, err := note.NewVerifier(strings.TrimSpace(readFile(os.Args[2])))
		if err != nil {
			fail("verifier key: %v", err)
		}
		n, err := note.Open([]byte(readFile(os.Args[3])), note.VerifierList(v))
		if err != nil {
			fail("note: %v", err)
		}
		fmt.Print(n.Text)
	case "sign":
		s, err := note.NewSigner(strings.TrimSpace(readFile(os.Args[2])))
		if err != nil {
			fail("signer key: %v", err)
		}
		text, _ := io.ReadAll(os.Stdin)
		signed, err := note.Sign(&note.Note{Text: string(text)}, s)
		if err != nil {
			fail("sign: %v", err)
		}
		os.Stdout.Write(signed)
	case "inclusion":
		eachInput(func(in proofInput) error {
			return tlog.CheckRecord(hashes(in.Proof), in.Size, hash(in.Root), in.Index, hash(in.Leaf))
		})
	case "consistency":
		eachInput(func(in proofInput) error {
			return tlog.CheckTree(hashes(in.Proof), in.Size, hash(in.Root), in.OldSize, hash(in.OldRoot))
		})
	case "root":
		var in proofInput
		if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
			fail("bad input: %v", err)
		}
		var store hashStore
		for i, data := range in.Data {
			raw, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				fail("data %d: %v", i, err)
			}
			added, err := tlog.StoredHashes(int64(i), raw, store)
			if err != nil {
				fail("%v", err)
			}
			store = append(store, added...)
		}
		for i, leaf := range in.Leaves {
			// StoredHashes takes the leaf's data and hashes it; tlog's leaf hash of data is SHA-256(0x00 || data),
			// so the stored hashes are rebuilt from the leaf hash the caller computed, not from data.
			added, err := tlog.StoredHashesForRecordHash(int64(i), hash(leaf), store)
			if err != nil {
				fail("%v", err)
			}
			store = append(store, added...)
		}
		root, err := tlog.TreeHash(int64(len(in.Leaves)+len(in.Data)), store)
		if err != nil {
			fail("%v", err)
		}
		fmt.Println(base64.StdEncoding.EncodeToString(root[:]))
	default:
		fail("unknown command %q", os.Args[1])
	}
}
