package store_test

import (
	"fmt"

	"github.com/emberkv/ember/store"
)

func ExampleDB_HSet() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)

	added, _ := db.HSet("user:1", []byte("name"), []byte("Ada"), []byte("born"), []byte("1815"))
	fmt.Println(added)
	added, _ = db.HSet("user:1", []byte("name"), []byte("Ada Lovelace"))
	fmt.Println(added) // an existing field: nothing new

	name, ok, _ := db.HGet("user:1", []byte("name"))
	fmt.Printf("%s %v\n", name, ok)
	// Output:
	// 2
	// 0
	// Ada Lovelace true
}

func ExampleDB_HGetAllFunc() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.HSet("h", []byte("a"), []byte("1"), []byte("b"), []byte("2"))

	// The callbacks run while the store holds the key: a server writes
	// its reply from the views without copying them.
	db.HGetAllFunc("h", func(n int) { fmt.Println(n, "fields") }, func(f, v []byte) {
		fmt.Printf("%s=%s\n", f, v)
	})
	// Output:
	// 2 fields
	// a=1
	// b=2
}

func ExampleDB_HIncrByFloat() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)

	db.HIncrByFloat("prices", []byte("tea"), []byte("0.1"))
	v, _ := db.HIncrByFloat("prices", []byte("tea"), []byte("0.2"))
	fmt.Printf("%s\n", v) // Redis's long double arithmetic: not 0.30000000000000004

	_, err := db.HIncrByFloat("prices", []byte("tea"), []byte("inf"))
	fmt.Println(err == store.ErrInfIncrement)
	// Output:
	// 0.3
	// true
}

func ExampleDB_HScan() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.HSet("h", []byte("apple"), []byte("1"), []byte("avocado"), []byte("2"), []byte("banana"), []byte("3"))

	// A small hash (a listpack) answers everything at once, with cursor 0.
	cursor, pairs, _ := db.HScan("h", 0, "a*", 10)
	fmt.Printf("%d %q\n", cursor, pairs)
	// Output:
	// 0 ["apple" "1" "avocado" "2"]
}

func ExampleDB_HRandFields() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.HSet("h", []byte("only"), []byte("one"))

	// A negative count may repeat fields; a positive one never does.
	repeats, _ := db.HRandFields("h", -3, true)
	distinct, _ := db.HRandFields("h", 3, false)
	fmt.Printf("%q\n%q\n", repeats, distinct)
	// Output:
	// ["only" "one" "only" "one" "only" "one"]
	// ["only"]
}
