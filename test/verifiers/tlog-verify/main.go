// Command tlog-verify checks SpecLedger's keys, signed notes and Merkle proofs with Go's reference
// implementations, golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (Debian's
// golang-golang-x-mod-dev; built with GO111MODULE=off GOPATH=/usr/share/gocode, nothing downloaded).
//
//	tlog-verify note VERIFIER_KEY_FILE NOTE_FILE      prints the note text if the signature verifies
//	tlog-verify sign SIGNER_KEY_FILE < TEXT           prints the note signed by Go
//	tlog-verify inclusion < JSON                      {"size","root","index","leaf","proof"}
//	tlog-verify consistency < JSON                    {"old_size","old_root","size","root","proof"}
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

func readProof() proofInput {
	var in proofInput
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("bad input: %v", err)
	}
	return in
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
		in := readProof()
		if err := tlog.CheckRecord(hashes(in.Proof), in.Size, hash(in.Root), in.Index, hash(in.Leaf)); err != nil {
			fail("inclusion: %v", err)
		}
	case "consistency":
		in := readProof()
		if err := tlog.CheckTree(hashes(in.Proof), in.Size, hash(in.Root), in.OldSize, hash(in.OldRoot)); err != nil {
			fail("consistency: %v", err)
		}
	default:
		fail("unknown command %q", os.Args[1])
	}
}
