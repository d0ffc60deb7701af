// Fixture.swift: reads a PyTorch fixture (Fixtures/NAME.json, written by a script under
// scripts/fixtures/); a missing file fails the test that needs it.
import Foundation
import Testing

func loadFixture<T: Decodable>(_ name: String, as _: T.Type = T.self) throws -> T {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"), "Fixtures/\(name).json")
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}
