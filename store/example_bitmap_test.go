package store_test

import (
	"fmt"

	"github.com/emberkv/ember/store"
)

// Daily active users as a bitmap: one bit per user ID, counted a word at
// a time.
func ExampleDB_SetBit() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	for _, user := range []uint64{5, 1000, 5, 42} {
		db.SetBit("active:2024-01-01", user, true)
	}
	n, _ := db.BitCount("active:2024-01-01", nil)
	first, _ := db.BitPos("active:2024-01-01", true, nil)
	fmt.Println(n, first)
	// Output: 3 5
}

// Users active on both days: BITOP AND into a third key.
func ExampleDB_BitOp() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.SetBit("day1", 7, true)
	db.SetBit("day1", 9, true)
	db.SetBit("day2", 9, true)
	db.BitOp(store.BitAnd, "both", "day1", "day2")
	n, _ := db.BitCount("both", nil)
	fmt.Println(n)
	// Output: 1
}

// Packed counters: four unsigned 8-bit fields, one saturating at 255.
func ExampleDB_BitField() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	ops := []store.BitFieldOp{
		{Kind: store.BitFieldIncrBy, Bits: 8, Offset: 8, Value: 200, Overflow: store.OverflowSat},
		{Kind: store.BitFieldIncrBy, Bits: 8, Offset: 8, Value: 200, Overflow: store.OverflowSat},
		{Kind: store.BitFieldIncrBy, Bits: 8, Offset: 8, Value: 1, Overflow: store.OverflowFail},
		{Kind: store.BitFieldGet, Signed: true, Bits: 8, Offset: 8},
	}
	res, _ := db.BitField("counters", ops, nil)
	fmt.Println(res)
	// Output: [{200 false} {255 false} {0 true} {-1 false}]
}
