-- PostgreSQL-only consent statements.

-- name: change-consent-before-put
-- Put before put-consent, this makes update-address-consent-fields,
-- lift-suppressions (when lift is true) and put-consent one statement, so a
-- consent action's new state, the mirror's consent fields that show it and
-- the lifting of the suppression entries consent given anew ends take one
-- round trip. (Named parameters, so no colon in these comments.)
WITH fields AS (
    UPDATE addresses
    SET consent_source = :f_source, consent_purpose = :f_purpose, consent_date = :f_date,
        consent_withdrawal_date = :f_withdrawal_date, consent_withdrawal_reason = :f_withdrawal_reason
    WHERE crm_id = :address_id
), lifted AS (
    DELETE FROM suppressions
    WHERE CAST(:lift AS BOOLEAN) AND scope = :purpose
      AND (address_id = :address_id
           OR identifier IN (SELECT json_array_elements_text(CAST(:identifiers AS json))))
)
