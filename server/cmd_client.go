package server

var clientCommands = []*command{}
