package store_test

import (
	"fmt"

	"github.com/emberkv/ember/store"
)

func ExampleDB_SAdd() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	added, _ := db.SAdd("primes", []byte("7"), []byte("2"), []byte("3"), []byte("2"))
	members, _ := db.SMembers("primes") // an intset: ascending
	info, _ := db.Object("primes")
	fmt.Println(added, members, info.Encoding)
	// Output: 3 [2 3 7] intset
}

func ExampleDB_SInterStore() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.SAdd("a", []byte("x"), []byte("1"), []byte("2"))
	db.SAdd("b", []byte("x"), []byte("2"), []byte("1"))
	db.SRem("a", []byte("x"))
	n, _ := db.SInterStore("both", "a", "b")
	members, _ := db.SMembers("both")
	info, _ := db.Object("both")
	// The result starts as an intset, as in Redis, whatever the sources are.
	fmt.Println(n, members, info.Encoding)
	// Output: 2 [1 2] intset
}

func ExampleDB_SPop() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.SAdd("s", []byte("3"), []byte("1"), []byte("2"))
	popped, _ := db.SPop("s", 10) // the whole set: the key goes
	fmt.Println(popped, db.Exists("s"))
	// Output: [1 2 3] 0
}
