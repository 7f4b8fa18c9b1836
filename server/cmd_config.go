package server

var configCommands = []*command{}
