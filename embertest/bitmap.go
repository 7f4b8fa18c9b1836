package embertest

// SetBit sets or clears the bit at offset of the string at key, as SETBIT
// does, and returns its previous value. A key holding another type gives
// store.ErrWrongType.
func (s *Server) SetBit(key string, offset uint64, on bool) (bool, error) {
	return s.selected().SetBit(key, offset, on)
}

// GetBit returns the bit at offset of the string at key, as GETBIT: false
// past its end or for a missing key.
func (s *Server) GetBit(key string, offset uint64) (bool, error) {
	return s.selected().GetBit(key, offset)
}

// BitCount counts the set bits of the whole string at key, as BITCOUNT
// without a range: 0 for a missing key.
func (s *Server) BitCount(key string) (int64, error) {
	return s.selected().BitCount(key, nil)
}
