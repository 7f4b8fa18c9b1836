// Command ember-server runs an Ember server: a Redis-compatible key-value
// server. It takes redis-server's arguments: an optional config file in
// redis.conf syntax, then --directive value flags that override it.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/emberkv/ember/server"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage: ember-server [/path/to/redis.conf] [options] [-]
       ember-server - (read config from stdin)
       ember-server -v or --version
       ember-server -h or --help

Options are redis.conf directives written as flags; a flag's values run
until the next argument starting with --, and flags override the file.

Examples:
       ember-server (run the server with the default config)
       echo 'maxmemory 128mb' | ember-server -
       ember-server /etc/ember/redis.conf
       ember-server --port 7777
       ember-server --bind 127.0.0.1 ::1 --requirepass secret
       ember-server /etc/ember/redis.conf --loglevel verbose
`

// run is the whole program; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-v", "--version":
			fmt.Fprintf(stdout, "ember-server v=%s (Redis %s compatible)\n", server.Version, server.RedisVersion)
			return 0
		case "-h", "--help":
			fmt.Fprint(stdout, usage)
			return 0
		}
	}
	cfg, err := server.LoadConfig(args, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		var ce *server.ConfigError
		if errors.As(err, &ce) {
			ce.Report(stderr)
		} else {
			fmt.Fprintf(stderr, "ember-server: %v\n", err)
		}
		return 1
	}
	out := stderr
	if name, _ := cfg.Get("logfile"); name != "" {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "ember-server: can't open the log file: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: cfg.LogLevel}))
	cfg.Logger = log
	cfg.ManageGoMemoryLimit = true // this process is the server's alone
	srv, err := server.New(cfg)
	if err != nil {
		log.Error("Cannot start", slog.Any("err", err))
		fmt.Fprintf(stderr, "ember-server: %v\n", err)
		return 1
	}
	defer srv.Close()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		insisted := false
		for {
			select {
			case s := <-sig:
				if insisted {
					log.Warn("You insist... exiting now.")
					srv.Close()
					return
				}
				// As Redis: SIGTERM and SIGINT save first when save
				// points are configured (shutdown-on-sigterm and
				// shutdown-on-sigint say otherwise); if the save fails
				// the server keeps running, and a second signal stops it.
				name := "sigterm"
				if s == syscall.SIGINT {
					name = "sigint"
				}
				log.Info("Received signal, scheduling shutdown...", slog.String("signal", s.String()))
				if err := srv.Shutdown(name); err != nil {
					log.Warn(fmt.Sprintf("%s received but errors trying to shut down the server, check the logs for more information", strings.ToUpper(name)))
					insisted = true
					continue
				}
				return
			case <-srv.Done():
				return
			}
		}
	}()
	log.Info("Ember is starting", slog.String("version", server.Version), slog.Int("pid", os.Getpid()))
	if err := srv.ListenAndServe(); err != nil {
		log.Error("Cannot serve", slog.Any("err", err))
		fmt.Fprintf(stderr, "ember-server: %v\n", err)
		return 1
	}
	log.Info("Ember is now ready to exit, bye bye...")
	return 0
}
