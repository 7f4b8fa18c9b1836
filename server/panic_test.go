package server

import (
	"io"
	"log/slog"
	"net"
	"testing"
)

// A command that panics ends its own connection, after an error reply, and
// no other: the server goes on serving everyone else.
func TestPanicEndsOnlyItsConnection(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // the panic is logged on purpose
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// This server's own table: the built-in one plus a command that panics.
	table := make(commandTable, len(srv.table)+1)
	for name, cmd := range srv.table {
		table[name] = cmd
	}
	table["boom"] = &command{name: "boom", arity: 1, flags: parseFlags("fast"),
		handler: func(c *client, args [][]byte) { panic("boom") }}
	srv.table = table
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	victim, bystander := dialRESP(t, addr), dialRESP(t, addr)
	if got := bystander.cmd("SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET = %q", got)
	}
	if got := victim.cmd("BOOM"); got != "-"+errInternal+"\r\n" {
		t.Errorf("BOOM = %q, want %q", got, "-"+errInternal+"\r\n")
	}
	if !victim.closedWithin(replyTimeout) {
		t.Error("the connection whose command panicked stays open")
	}
	if got := bystander.cmd("GET", "k"); got != "$1\r\nv\r\n" {
		t.Errorf("another client's GET after the panic = %q", got)
	}
	if got := dialRESP(t, addr).cmd("PING"); got != "+PONG\r\n" {
		t.Errorf("a new client's PING after the panic = %q", got)
	}
}
