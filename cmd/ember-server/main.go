// Command ember-server runs an Ember server: a Redis-compatible key-value
// server. It takes redis-server's arguments: an optional config file in
// redis.conf syntax, then --directive value flags that override it.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/emberkv/ember/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	for _, a := range args {
		if a == "--version" || a == "-v" {
			fmt.Printf("ember-server v=%s (Redis %s compatible)\n", server.Version, server.RedisVersion)
			return 0
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := server.LoadConfig(args, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ember-server: %v\n", err)
		return 1
	}
	cfg.Logger = log
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ember-server: %v\n", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sig:
			log.Info("Received signal, shutting down", slog.String("signal", s.String()))
			srv.Close()
		case <-srv.Done():
		}
	}()
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintf(os.Stderr, "ember-server: %v\n", err)
		return 1
	}
	log.Info("Ember is now ready to exit, bye bye...")
	return 0
}
