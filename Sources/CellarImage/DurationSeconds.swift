extension Duration {
    /// The duration in seconds, as a `Double` (the one conversion every module uses).
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// The duration in milliseconds.
    public var milliseconds: Double { seconds * 1e3 }
}
