package store_test

import (
	"fmt"
	"strconv"

	"github.com/emberkv/ember/store"
)

// Unique visitors per day, and over both days, with HyperLogLogs.
func ExampleDB_PFAdd() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	for i := range 1000 {
		db.PFAdd("visitors:mon", []byte("user:"+strconv.Itoa(i)))
	}
	for i := 500; i < 1500; i++ {
		db.PFAdd("visitors:tue", []byte("user:"+strconv.Itoa(i)))
	}
	mon, _ := db.PFCount("visitors:mon")
	both, _ := db.PFCount("visitors:mon", "visitors:tue")
	db.PFMerge("visitors:week", "visitors:mon", "visitors:tue")
	week, _ := db.PFCount("visitors:week")
	fmt.Println(mon, both, week)
	// Output: 1007 1516 1516
}
