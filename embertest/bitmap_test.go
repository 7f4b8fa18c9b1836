package embertest_test

import (
	"errors"
	"testing"

	"github.com/emberkv/ember/embertest"
	"github.com/emberkv/ember/store"
)

func TestBitmapShortcuts(t *testing.T) {
	s := embertest.Run(t)
	for _, user := range []uint64{3, 10, 3} {
		if _, err := s.SetBit("active", user, true); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.BitCount("active"); n != 2 || err != nil {
		t.Errorf("BitCount = %d, %v, want 2", n, err)
	}
	if on, _ := s.GetBit("active", 10); !on {
		t.Error("GetBit(10) = false")
	}
	s.CheckGet(t, "active", "\x10\x20")

	// The same bitmap over the wire.
	rdb := newClient(t, s, 3)
	if n, err := rdb.BitCount(ctx(t), "active", nil).Result(); n != 2 || err != nil {
		t.Errorf("BITCOUNT over the wire = %d, %v", n, err)
	}
	if err := rdb.SetBit(ctx(t), "active", 0, 1).Err(); err != nil {
		t.Fatal(err)
	}
	if on, _ := s.GetBit("active", 0); !on {
		t.Error("a bit set over the wire is not seen directly")
	}

	s.SAdd("set", "m")
	if _, err := s.SetBit("set", 0, true); !errors.Is(err, store.ErrWrongType) {
		t.Errorf("SetBit on a set: %v, want ErrWrongType", err)
	}
}
