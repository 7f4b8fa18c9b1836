package store_test

import (
	"fmt"
	"time"

	"github.com/emberkv/ember/store"
)

func ExampleNew() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)

	db.Set("greeting", []byte("hello"), store.SetOptions{})
	v, ok, _ := db.Get("greeting")
	fmt.Printf("%s %v\n", v, ok)

	_, ok, _ = db.Get("missing")
	fmt.Println(ok)
	// Output:
	// hello true
	// false
}

func ExampleDB_IncrBy() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)

	n, _ := db.IncrBy("visits", 1) // a missing key counts from 0
	fmt.Println(n)
	n, _ = db.IncrBy("visits", 10)
	fmt.Println(n)

	db.Set("name", []byte("ember"), store.SetOptions{})
	_, err := db.IncrBy("name", 1)
	fmt.Println(err == store.ErrNotInteger)
	// Output:
	// 1
	// 11
	// true
}

func ExampleDB_ExpireAt() {
	clock := store.NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	s := store.New(store.Options{Clock: clock})
	defer s.Close()
	db := s.DB(0)

	db.Set("session", []byte("token"), store.SetOptions{})
	fmt.Println(db.PTTL("session")) // no TTL yet

	in10s := clock.Now().Add(10 * time.Second).UnixMilli()
	db.ExpireAt("session", in10s, store.ExpireAlways)
	fmt.Println(db.PTTL("session"))

	clock.Advance(4 * time.Second)
	fmt.Println(db.PTTL("session"))

	clock.Advance(6 * time.Second)
	_, ok, _ := db.Get("session")
	fmt.Println(ok, db.PTTL("session"))
	// Output:
	// -1
	// 10000
	// 6000
	// false -2
}
