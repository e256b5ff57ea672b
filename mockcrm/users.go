package mockcrm

import (
	"net/http"
	"slices"
	"strconv"
)

// User is a broker of the company; a contact's responsibleUser names one.
type User struct {
	ID        string `json:"id"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Active    bool   `json:"active"`
}

func (s *Server) handleUsers(*http.Request) (reply, error) { return entries(s.data.users) }

// Users returns the seeded brokers.
func (s *Server) Users() []User { return slices.Clone(s.data.users) }

var brokers = [][2]string{
	{"Sabine", "Köhler"}, {"Thomas", "Bäumer"}, {"Jürgen", "Weiß"}, {"Ayşe", "Demir"},
	{"Klaus-Dieter", "Strauß"}, {"Franziska", "Öztürk"}, {"Michael", "Groß"}, {"Susanne", "Lämmle"},
}

// seedUsers makes brokers "u-1".."u-n"; every fifth has left the company
// but may still be responsible for contacts.
func seedUsers(n int) []User {
	users := make([]User, n)
	for i := range users {
		name := brokers[i%len(brokers)]
		local := ascii(name[0]) + "." + ascii(name[1])
		if i >= len(brokers) {
			local += strconv.Itoa(i + 1)
		}
		users[i] = User{
			ID: "u-" + strconv.Itoa(i+1), FirstName: name[0], LastName: name[1],
			Email: local + "@makler.example.de", Active: (i+1)%5 != 0,
		}
	}
	return users
}
